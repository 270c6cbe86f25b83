package ncpmaiu

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"

	"projectd"
	"projectd/compat"
	"projectd/httpserver"
)

//go:embed openapi.json
var openAPIDocument []byte

// Surface declares NAVER Cloud Media AI Understanding to the server.
var Surface = compat.Surface{
	Name:    "ncpmaiu",
	Title:   "NAVER Media AI Understanding",
	OpenAPI: openAPIDocument,
	Ext: projectd.ExtNamespace{Name: "maiu", Validate: ValidateExt, Indexed: []projectd.IndexedPath{
		{Key: "isBaseProject", Column: "ext_maiu_is_base", Kind: projectd.ExtBool, Default: false, Pins: true},
	}},
	Flags: func(fs *flag.FlagSet) compat.Mount {
		refuse := fs.Bool("ncp-refuse-replays", false, "NAVER surface: accept each signature once (identical requests signed in one millisecond are then refused)")
		return func(mux httpserver.Mux, env compat.Env) {
			New(env.Store, env.Logger, *refuse, env.Throttle).Routes(mux)
		}
	},
	Demo: compat.Demo{
		Projects: []projectd.ProjectCreate{
			{Name: baseName, Workspace: "demo-studio", Ext: json.RawMessage(`{"maiu":{"isBaseProject":true}}`)},
			{Name: "Interview transcripts", Workspace: "demo-studio", Ext: json.RawMessage(`{"maiu":{"isBaseProject":false}}`)},
		},
		Lines: demoLines,
	},
	Migrate: migration,
	Views: func(p *projectd.Project) []compat.View {
		if p.Workspace == "" {
			return nil // the API names projects within a workspace only
		}
		return []compat.View{{Format: "JSON", Path: "/api/v1/workspaces/" + url.PathEscape(p.Workspace) + "/projects/" + strconv.FormatInt(p.ID, 10),
			Setup:      `TS=$(date +%s000); SIG=$(printf 'GET {path}\n%s\n%s' "$TS" "$ACCESS_KEY" | openssl dgst -sha256 -hmac "$SECRET_KEY" -binary | base64)`,
			Credential: []string{"x-ncp-apigw-timestamp: $TS", "x-ncp-iam-access-key: $ACCESS_KEY", "x-ncp-apigw-signature-v2: $SIG"}}}
	},
	Seed: func(*rand.Rand, int) json.RawMessage { return json.RawMessage(`{"maiu":{"isBaseProject":false}}`) },
}

func demoLines(ctx context.Context, d compat.DemoEnv) ([]string, error) {
	key, err := d.Store.CreateAccessKey(ctx, d.User.Login, 0)
	if err != nil {
		return nil, err
	}
	return []string{
		fmt.Sprintf("NAVER Media AI Understanding (signed with access key %s; run the lines together):", key.AccessKey),
		fmt.Sprintf(`  TS=$(date +%%s000); SIG=$(printf 'GET /api/v1/workspaces/demo-studio/projects\n%%s\n%%s' "$TS" '%s' | openssl dgst -sha256 -hmac '%s' -binary | base64)`, key.AccessKey, key.SecretKey),
		fmt.Sprintf(`  curl -s -H "x-ncp-apigw-timestamp: $TS" -H 'x-ncp-iam-access-key: %s' -H "x-ncp-apigw-signature-v2: $SIG" '%s/api/v1/workspaces/demo-studio/projects'`, key.AccessKey, d.Base),
	}, nil
}
