package textking

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"projectd"
	"projectd/compat"
	"projectd/httpserver"
)

//go:embed openapi.json
var openAPIDocument []byte

// Surface declares TextKing to the server. Its state is counted per owner, so that a
// customer's total (by state) costs no scan.
var Surface = compat.Surface{
	Name:    "textking",
	Title:   "TextKing",
	OpenAPI: openAPIDocument,
	Ext: projectd.ExtNamespace{Name: "textking", Validate: ValidateExt, Indexed: []projectd.IndexedPath{
		{Key: "state", Column: "ext_textking_state", Kind: projectd.ExtText, Default: "prepared", Counted: true},
	}},
	Flags: compat.Routes(func(mux httpserver.Mux, env compat.Env) {
		New(env.Store, env.Logger, env.PublicURL, env.Throttle).Routes(mux)
	}),
	Demo: compat.Demo{
		Projects: []projectd.ProjectCreate{
			{Name: "My Translation Project", Description: "Catalogue translation into German.",
				Ext: json.RawMessage(`{"textking":{"state":"prepared","currency":"EUR","net_price":432.4,"vat":8,"due_date":"2027-12-24","billing_address":"9c6f23b6-167d-4b01-977f-4de799e3abf3"}}`)},
			{Name: "Another translation project", Description: "Website strings.",
				Ext: json.RawMessage(`{"textking":{"state":"running","currency":"EUR","net_price":19.4,"vat":8,"due_date":"2027-10-22"}}`)},
		},
		Lines: func(_ context.Context, d compat.DemoEnv) ([]string, error) {
			return []string{"TextKing:",
				fmt.Sprintf("  curl -s -H 'Authorization: Bearer %s' -H 'Accept: application/json' '%s/v1/projects?state=prepared&per_page=2'", d.Token, d.Base)}, nil
		},
	},
	Migrate: migration,
	Views: func(p *projectd.Project) []compat.View {
		path, token := "/v1/project/"+p.UID, []string{"Authorization: Bearer $TOKEN"}
		return []compat.View{{Format: "JSON", Path: path, Accept: mediaJSON, Credential: token}, {Format: "XML", Path: path, Accept: mediaXML, Credential: token}}
	},
	Seed: func(rng *rand.Rand, _ int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"textking":{"state":%q,"currency":"EUR","net_price":%d.%d,"vat":19,"due_date":"2027-%02d-%02d"}}`,
			states[rng.IntN(len(states))], rng.IntN(900), rng.IntN(10), 1+rng.IntN(12), 1+rng.IntN(28)))
	},
}
