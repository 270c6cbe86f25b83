package movika

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

// extMembers are the fields of a Studio Pro project kept in ext.movika.
var extMembers = []string{"cover", "manifestChanges", "lastBuiltManifestUrl", "currentManifestUrl", "projectName",
	"buildStatus", "lastBuildStatus", "keywords", "deployStatus", "lastDeployType", "deployedTo", "modified"}

// migration pulls the author's projects from /studio-pro/my, 100 a page, following
// paging.after as the Studio Pro app does.
var migration = &compat.Migration{
	Credentials: []string{"token", "api-key"},
	Pull: func(ctx context.Context, src *compat.Source, yield func(*projectd.Migrated) error) error {
		headers := map[string]string{"Authorization": "Bearer " + src.Credential["token"], "Api-Key": src.Credential["api-key"], "Api-Version": "2.0"}
		after := ""
		for {
			q := url.Values{"limit": {strconv.Itoa(maxLimit)}}
			if after != "" {
				q.Set("after", after)
			}
			var page struct {
				Data   []map[string]json.RawMessage `json:"data"`
				Paging *struct {
					After string `json:"after"`
				} `json:"paging"`
			}
			if err := src.Get(ctx, "/studio-pro/my?"+q.Encode(), headers, &page); err != nil {
				return err
			}
			if page.Paging == nil {
				return fmt.Errorf("%w does not answer as Movika Studio Pro: a page without paging", compat.ErrSource)
			}
			for _, item := range page.Data {
				if err := yield(migrated(item)); err != nil {
					return err
				}
			}
			if page.Paging.After == "" || len(page.Data) == 0 {
				return nil
			}
			after = page.Paging.After
		}
	},
}

// migrated maps a Studio Pro project: its title is the name, its created time kept, the
// rest ext.movika.
func migrated(item map[string]json.RawMessage) *projectd.Migrated {
	m := &projectd.Migrated{}
	var id int64
	if err := json.Unmarshal(item["id"], &id); err != nil {
		m.Err = fmt.Errorf("a project without an id")
		return m
	}
	m.SourceID = strconv.FormatInt(id, 10)
	if err := json.Unmarshal(item["title"], &m.Project.Name); err != nil {
		m.Err = fmt.Errorf("title: %v", err)
		return m
	}
	var created string
	if json.Unmarshal(item["created"], &created) == nil {
		m.CreatedAt, _ = time.Parse(timeLayout, created)
	}
	m.Project.Ext = compat.ExtOf("movika", extMembers, item)
	return m
}
