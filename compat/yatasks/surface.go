package yatasks

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"projectd"
	"projectd/compat"
	"projectd/httpserver"
)

//go:embed openapi.json
var openAPIDocument []byte

// Surface declares Yandex Tasks (the Toloka API) to the server.
var Surface = compat.Surface{
	Name:    "yatasks",
	Title:   "Yandex Tasks (Toloka API)",
	OpenAPI: openAPIDocument,
	Ext: projectd.ExtNamespace{Name: "tasks", Validate: ValidateExt, Indexed: []projectd.IndexedPath{
		{Key: "private_comment", Column: "ext_tasks_private_comment", Kind: projectd.ExtText, Default: ""},
	}},
	Flags: compat.Routes(func(mux httpserver.Mux, env compat.Env) { New(env.Store, env.Logger, env.Throttle).Routes(mux) }),
	Demo: compat.Demo{
		Projects: []projectd.ProjectCreate{{Name: "Elephant color", Description: "What color is the elephant in the picture?",
			Ext: json.RawMessage(`{"tasks":{"public_instructions":"<p>Look at the picture and decide what color the elephant is.</p>","private_comment":"My first project","task_spec":{"input_spec":{"image":{"type":"url","required":true,"hidden":false}},"output_spec":{"result":{"type":"string","required":true,"hidden":false}},"view_spec":{"type":"classic","assets":{"script_urls":["library1.js","library2.js"]},"markup":"<task interface code>","script":"<JavaScript code>","styles":"<CSS code>","settings":{"showSkip":true,"showTimer":true,"showTitle":true,"showSubmit":true,"showFullscreen":true,"showInstructions":true,"showFinish":true,"showMessage":true,"showReward":true}}},"assignments_issuing_type":"AUTOMATED","assignments_automerge_enabled":false,"max_active_assignments_count":15,"quality_control":{"configs":[{"collector_config":{"type":"SKIPPED_IN_ROW_ASSIGNMENTS"},"rules":[{"conditions":[{"key":"skipped_in_row_count","operator":"GTE","value":10}],"action":{"type":"REJECT_ALL_ASSIGNMENTS","parameters":{"public_comment":"Skipped more than 10 task suites in a row"}}}]}]},"localization_config":{"default_language":"EN"}}}`)}},
		Lines: func(_ context.Context, d compat.DemoEnv) ([]string, error) {
			return []string{"Yandex Tasks (Toloka API):",
				fmt.Sprintf("  curl -s -H 'Authorization: OAuth %s' '%s/api/v1/projects?status=ACTIVE&created_gte=2021-12-01'", d.Token, d.Base)}, nil
		},
	},
	Migrate: migration,
	Views: func(p *projectd.Project) []compat.View {
		return []compat.View{{Format: "JSON", Path: "/api/v1/projects/" + strconv.FormatInt(p.ID, 10), Credential: []string{"Authorization: OAuth $TOKEN"}}}
	},
	Seed: func(rng *rand.Rand, _ int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"tasks":{"public_instructions":"<p>Look at the picture and choose its colour.</p>","private_comment":"batch %d","task_spec":{"input_spec":{"image":{"type":"url","required":true,"hidden":false}},"output_spec":{"result":{"type":"string","required":true,"hidden":false}},"view_spec":{"type":"classic","markup":"<task interface code>","script":"<JavaScript code>","styles":"<CSS code>"}},"assignments_issuing_type":"AUTOMATED","assignments_automerge_enabled":false,"max_active_assignments_count":%d}}`,
			rng.IntN(1000), 5+rng.IntN(20)))
	},
}
