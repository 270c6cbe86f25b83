package ncpmaiu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"projectd"
	"projectd/compat"
)

// migration pulls every project of each workspace given, one signed request a
// workspace (the API answers a workspace's whole collection).
var migration = &compat.Migration{
	Credentials: []string{"access-key", "secret-key", "workspace"},
	Pull: func(ctx context.Context, src *compat.Source, yield func(*projectd.Migrated) error) error {
		access, secret := src.Credential["access-key"], []byte(src.Credential["secret-key"])
		for _, ws := range src.Workspaces {
			path := "/api/v1/workspaces/" + url.PathEscape(ws) + "/projects"
			ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
			var body struct {
				Code   string `json:"code"`
				Result *struct {
					Projects []struct {
						ProjectID     int64  `json:"projectId"`
						Name          string `json:"name"`
						IsBaseProject bool   `json:"isBaseProject"`
						CreatedTime   string `json:"createdTime"`
					} `json:"projects"`
				} `json:"result"`
			}
			err := src.Get(ctx, path, map[string]string{"x-ncp-apigw-timestamp": ts, "x-ncp-iam-access-key": access,
				"x-ncp-apigw-signature-v2": Sign(secret, "GET", path, ts, access)}, &body)
			if err != nil {
				return err
			}
			if body.Code != "0" || body.Result == nil {
				return fmt.Errorf("%w does not answer as NAVER MAIU: code %q without a result", compat.ErrSource, body.Code)
			}
			for _, p := range body.Result.Projects {
				m := &projectd.Migrated{SourceID: ws + "/" + strconv.FormatInt(p.ProjectID, 10),
					Project: projectd.ProjectCreate{Name: p.Name, Workspace: ws, Ext: json.RawMessage(fmt.Sprintf(`{"maiu":{"isBaseProject":%t}}`, p.IsBaseProject))}}
				m.CreatedAt, _ = time.Parse(timeLayout, p.CreatedTime)
				if err := yield(m); err != nil {
					return err
				}
			}
		}
		return nil
	},
}
