package tervis

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	"projectd"
	"projectd/compat"
)

// migration pulls the user's whole collection, which Tervis answers in one array.
var migration = &compat.Migration{
	Credentials: []string{"token", "user-id"},
	Pull: func(ctx context.Context, src *compat.Source, yield func(*projectd.Migrated) error) error {
		var projects []map[string]json.RawMessage
		path := "/projects/GetUserProjects/" + url.PathEscape(src.Credential["user-id"])
		if err := src.Get(ctx, path, map[string]string{"Authorization": "Bearer " + src.Credential["token"]}, &projects); err != nil {
			return err
		}
		if src.Total != nil {
			src.Total(int64(len(projects)))
		}
		var extMembers []string
		for _, m := range model["Project"] {
			if !slices.Contains(coreMembers, m.name) {
				extMembers = append(extMembers, m.name)
			}
		}
		for _, item := range projects {
			if err := yield(migrated(item, extMembers)); err != nil {
				return err
			}
		}
		return nil
	},
}

// migrated maps a Tervis project: Name and CreatedDate to the core fields, the members
// that are set to ext.tervis.
func migrated(item map[string]json.RawMessage, extMembers []string) *projectd.Migrated {
	m := &projectd.Migrated{}
	if err := json.Unmarshal(item["Id"], &m.SourceID); err != nil || m.SourceID == "" {
		m.Err = fmt.Errorf("a project without an Id")
		return m
	}
	if err := json.Unmarshal(item["Name"], &m.Project.Name); err != nil {
		m.Err = fmt.Errorf("member Name: %v", err)
		return m
	}
	var created string
	if json.Unmarshal(item["CreatedDate"], &created) == nil {
		m.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	}
	m.Project.Ext = compat.ExtOf("tervis", extMembers, item)
	return m
}
