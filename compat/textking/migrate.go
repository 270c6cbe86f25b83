package textking

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"projectd"
	"projectd/compat"
)

// extMembers are the fields of a TextKing project kept in ext.textking, as it writes them.
var extMembers = []string{"state", "number", "due_date", "currency", "net_price", "vat", "discount_customer",
	"discount_project", "coupon_name", "coupon_value", "affiliate_id", "billing_address"}

// migration pulls a TextKing account's projects page after page, 100 a page, as long as
// the collection links to a next one, and yields them oldest first: the API lists newest
// first and says nothing of when a project was made, so the order of the writes is what
// keeps the destination's order the source's.
var migration = &compat.Migration{
	Credentials: []string{"token"},
	Pull: func(ctx context.Context, src *compat.Source, yield func(*projectd.Migrated) error) error {
		auth := map[string]string{"Authorization": "Bearer " + src.Credential["token"]}
		var all []map[string]json.RawMessage
		for page := 1; ; page++ {
			var body struct {
				Total *int64                       `json:"total"`
				Items []map[string]json.RawMessage `json:"items"`
				Links []struct {
					Rel string `json:"rel"`
				} `json:"links"`
			}
			if err := src.Get(ctx, fmt.Sprintf("/v1/projects?page=%d&per_page=%d", page, maxPerPage), auth, &body); err != nil {
				return err
			}
			if body.Total == nil {
				return fmt.Errorf("%w does not answer as TextKing: a collection without total", compat.ErrSource)
			}
			if page == 1 && src.Total != nil {
				src.Total(*body.Total)
			}
			all = append(all, body.Items...)
			next := false
			for _, l := range body.Links {
				next = next || l.Rel == "next"
			}
			if !next || len(body.Items) == 0 {
				break
			}
		}
		for i := len(all) - 1; i >= 0; i-- {
			if err := yield(migrated(all[i])); err != nil {
				return err
			}
		}
		return nil
	},
}

// migrated maps a TextKing project: its name, and the rest to ext.textking as its own
// writes store them (a due date without its time of day).
func migrated(item map[string]json.RawMessage) *projectd.Migrated {
	m := &projectd.Migrated{}
	if err := json.Unmarshal(item["id"], &m.SourceID); err != nil || m.SourceID == "" {
		m.Err = fmt.Errorf("a project without an id")
		return m
	}
	if err := json.Unmarshal(item["name"], &m.Project.Name); err != nil {
		m.Err = fmt.Errorf("name: %v", err)
		return m
	}
	if raw, ok := item["due_date"]; ok && string(raw) != "null" {
		var due string
		if err := json.Unmarshal(raw, &due); err != nil {
			m.Err = fmt.Errorf("due_date: %v", err)
			return m
		}
		item["due_date"], _ = json.Marshal(strings.TrimSuffix(due, "T00:00:00"))
	}
	m.Project.Ext = compat.ExtOf("textking", extMembers, item)
	return m
}
