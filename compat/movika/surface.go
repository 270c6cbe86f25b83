package movika

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"projectd"
	"projectd/compat"
	"projectd/httpserver"
)

//go:embed openapi.json
var openAPIDocument []byte

// Surface declares Movika Studio Pro to the server.
var Surface = compat.Surface{
	Name:    "movika",
	Title:   "Movika Studio Pro",
	OpenAPI: openAPIDocument,
	Ext:     projectd.ExtNamespace{Name: "movika", Validate: ValidateExt},
	Flags:   compat.Routes(func(mux httpserver.Mux, env compat.Env) { New(env.Store, env.Logger, env.Throttle).Routes(mux) }),
	Demo: compat.Demo{
		Projects: []projectd.ProjectCreate{{Name: "Spring campaign film", Description: "Interactive film for the spring campaign.", Workspace: "demo-studio",
			Ext: json.RawMessage(`{"movika":{"cover":"https://cdn.example.com/covers/spring.jpg","manifestChanges":"scene 3 reordered","lastBuiltManifestUrl":"https://cdn.example.com/manifests/spring/built.json","currentManifestUrl":"https://cdn.example.com/manifests/spring/current.json","buildStatus":2,"lastBuildStatus":2,"keywords":"spring, campaign","deployStatus":2,"lastDeployType":2,"deployedTo":[1,2],"modified":false}}`)}},
		Lines: demoLines,
	},
	Migrate: migration,
	Views: func(p *projectd.Project) []compat.View {
		return []compat.View{{Format: "JSON", Path: "/studio-pro/" + strconv.FormatInt(p.ID, 10), Credential: []string{"Api-Key: $APP_KEY", "Authorization: Bearer $ACCESS_TOKEN"}}}
	},
	Seed: seedExt,
}

func demoLines(ctx context.Context, d compat.DemoEnv) ([]string, error) {
	appKey, err := d.Store.CreateAppKey(ctx, "demo studio "+time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return nil, err
	}
	return []string{
		fmt.Sprintf("Movika Studio Pro (app key %s):", appKey),
		fmt.Sprintf("  curl -s -H 'Authorization: Bearer %s' -H 'Api-Key: %s' -H 'Api-Version: 2.0' '%s/studio-pro/my'", d.Token, appKey, d.Base),
	}, nil
}

func seedExt(rng *rand.Rand, i int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"movika":{"cover":"https://cdn.example.com/covers/%d.jpg","manifestChanges":"scene %d reordered","lastBuiltManifestUrl":"https://cdn.example.com/manifests/%d/built.json","currentManifestUrl":"https://cdn.example.com/manifests/%d/current.json","buildStatus":%d,"lastBuildStatus":%d,"keywords":"interactive, film","deployStatus":%d,"lastDeployType":%d,"deployedTo":[1,2],"modified":%t}}`,
		i, rng.IntN(20), i, i, rng.IntN(4), rng.IntN(4), rng.IntN(4), rng.IntN(3), rng.IntN(2) == 0))
}
