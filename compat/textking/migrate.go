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

// migration pulls a TextKing account's projects, 100 a page, from the last page to the
// first and each page from its end: oldest first. The API lists newest first and says
// nothing of when a project was made, so the order of the writes is what keeps the
// destination's order the source's; the first page, read first for the total, is
// written last.
var migration = &compat.Migration{
	Credentials: []string{"token"},
	Pull: func(ctx context.Context, src *compat.Source, yield func(*projectd.Migrated) error) error {
		auth := map[string]string{"Authorization": "Bearer " + src.Credential["token"]}
		page := func(n int) ([]map[string]json.RawMessage, int64, error) {
			var body struct {
				Total *int64                       `json:"total"`
				Items []map[string]json.RawMessage `json:"items"`
			}
			if err := src.Get(ctx, fmt.Sprintf("/v1/projects?page=%d&per_page=%d", n, maxPerPage), auth, &body); err != nil {
				return nil, 0, err
			}
			if body.Total == nil {
				return nil, 0, fmt.Errorf("%w does not answer as TextKing: a collection without total", compat.ErrSource)
			}
			return body.Items, *body.Total, nil
		}
		first, total, err := page(1)
		if err != nil {
			return err
		}
		if src.Total != nil {
			src.Total(total)
		}
		for n := int((total + maxPerPage - 1) / maxPerPage); n >= 1; n-- {
			items := first
			if n > 1 {
				if items, _, err = page(n); err != nil {
					return err
				}
			}
			for i := len(items) - 1; i >= 0; i-- {
				if err := yield(migrated(items[i])); err != nil {
					return err
				}
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
