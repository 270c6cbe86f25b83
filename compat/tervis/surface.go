package tervis

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"

	"projectd"
	"projectd/compat"
	"projectd/httpserver"
)

//go:embed openapi.json
var openAPIDocument []byte

// Surface declares the Tervis customizer services to the server.
var Surface = compat.Surface{
	Name:    "tervis",
	Title:   "Tervis customizer services",
	OpenAPI: openAPIDocument,
	Ext: projectd.ExtNamespace{Name: "tervis", Validate: ValidateExt, Indexed: []projectd.IndexedPath{
		{Key: "Status", Column: "ext_tervis_status", Kind: projectd.ExtInt, Default: int64(0)},
	}},
	Flags: compat.Routes(func(mux httpserver.Mux, env compat.Env) {
		New(env.Store, env.Logger, env.PublicURL, env.Throttle).Routes(mux)
	}),
	Demo: compat.Demo{
		Projects: []projectd.ProjectCreate{{Name: "Team offsite tumbler", Description: "Custom tumbler design.",
			Ext: json.RawMessage(`{"tervis":{"Status":5,"Product":{"Id":"5877e7a0-7303-4119-bd4f-4615a3f09520","Name":"24oz Tumbler","Size":24,"Category":"Tumblers","Price":24.99,"WrapHeight":6.1,"WrapWidth":7.1,"Backgrounds":[],"Guideline":null,"Form":null,"FGCode":"TUM24","IsActive":true,"SiteCodeID":24,"IsProjectCopiedFromTemplate":false},"Stamps":[{"Id":"366b0c42-552c-4e20-a23a-9243a836532e","Name":"Logo","CategoryNames":"Brand","Top":4.1,"Left":5.1,"Height":6.1,"Width":7.1,"CanChangeColor":true,"DefaultColor":"#ffffff","Layer":1,"Rotation":0,"Url":"https://cdn.example.com/stamps/logo.png","AssetId":"384b7d72-00b6-4446-911c-082d9ece88f1","BackgroundColor":"#1d4e89"}],"BackgroundColor":"#1d4e89","SiteCode":"TRV","SiteCodeID":24,"IsDefaultProjectName":false,"ArtboardFlatImage":"QEA=","ExpiryDate":"2027-08-01T16:37:19.0768116+00:00"}}`)}},
		Lines: func(_ context.Context, d compat.DemoEnv) ([]string, error) {
			return []string{"Tervis customizer services (JSON; add -H 'Accept: application/xml' for XML):",
				fmt.Sprintf("  curl -s -H 'Authorization: Bearer %s' '%s/projects/GetUserProjects/%s'", d.Token, d.Base, d.User.UID)}, nil
		},
	},
	Migrate: migration,
	Views:   views,
	Seed: func(rng *rand.Rand, _ int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"tervis":{"Status":%d,"BackgroundColor":"#%06x","SiteCode":"TRV","IsDefaultProjectName":%t}}`,
			rng.IntN(6), rng.IntN(1<<24), rng.IntN(2) == 0))
	},
}

// views fetch a project by its status and name, the one way Tervis names one project;
// the answer is the caller's projects of that name.
func views(p *projectd.Project) []compat.View {
	var ext struct {
		Tervis struct{ Status int64 }
	}
	_ = json.Unmarshal(p.Ext, &ext) // validated on write: a project without the namespace has status 0
	path := "/projects/" + strconv.FormatInt(ext.Tervis.Status, 10) + "/name/" + strings.ReplaceAll(url.PathEscape(p.Name), "'", "%27")
	token := []string{"Authorization: Bearer $TOKEN"}
	return []compat.View{{Format: "JSON", Path: path, Credential: token}, {Format: "XML", Path: path, Accept: "application/xml", Credential: token}}
}
