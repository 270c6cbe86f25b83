package yatasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"time"

	"projectd"
	"projectd/compat"
)

// migration pulls a Toloka account's projects as toloka-kit pages them: sort=id and
// id_gt the last id seen, 300 at a time.
var migration = &compat.Migration{
	Credentials: []string{"token"},
	Pull: func(ctx context.Context, src *compat.Source, yield func(*projectd.Migrated) error) error {
		auth := map[string]string{"Authorization": "OAuth " + src.Credential["token"]}
		last := ""
		for {
			q := url.Values{"sort": {"id"}, "limit": {strconv.Itoa(maxLimit)}}
			if last != "" {
				q.Set("id_gt", last)
			}
			var page struct {
				Items   []json.RawMessage `json:"items"`
				HasMore bool              `json:"has_more"`
			}
			if err := src.Get(ctx, "/api/v1/projects?"+q.Encode(), auth, &page); err != nil {
				return err
			}
			for _, item := range page.Items {
				m := migrated(item)
				if m.SourceID == "" {
					return errors.New("the source does not answer as Toloka: a project without an id")
				}
				if err := yield(m); err != nil {
					return err
				}
				last = m.SourceID
			}
			if !page.HasMore || len(page.Items) == 0 {
				return nil
			}
		}
	},
}

// migrated maps a project of the Toloka API as its own create body would be read:
// public_name and public_description are the core fields, the rest ext.tasks.
func migrated(item json.RawMessage) *projectd.Migrated {
	var core struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Created string `json:"created"`
	}
	m := &projectd.Migrated{}
	if err := json.Unmarshal(item, &core); err != nil {
		m.Err = err
		return m
	}
	m.SourceID = core.ID
	form, bad := parseForm(item)
	if bad != nil {
		fields := slices.Sorted(maps.Keys(bad))
		m.Err = fmt.Errorf("%s: %s", fields[0], bad[fields[0]].Message)
		return m
	}
	m.Project = projectd.ProjectCreate{Name: form.name, Description: form.description, Ext: form.ext(false), Status: projectd.StatusActive}
	if core.Status == "ARCHIVED" {
		m.Project.Status = projectd.StatusArchived
	}
	if t, err := time.Parse(timeLayout, core.Created); err == nil {
		m.CreatedAt = t
	}
	return m
}
