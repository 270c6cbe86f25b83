package sqlstore

import (
	"bytes"
	"reflect"
	"strings"

	"projectd"
)

// countKey is the row of project_counts a project counts in.
type countKey struct {
	owner int64
	state string
}

// keyOf is the count a project is in: its owner and the value of the counted ext path
// (its default when unset, "" when no surface declares one).
func (db *DB) keyOf(p *projectd.Project) countKey {
	path := db.Ext.CountedPath()
	if path == "" {
		return countKey{owner: p.Owner.ID}
	}
	idx, _ := db.Ext.Index(path)
	name, key, _ := strings.Cut(path, ".")
	var state string
	if bytes.Contains(p.Ext, []byte(`"`+name+`"`)) { // most projects lack the namespace: no need to parse
		if top, err := projectd.JSONMembers(p.Ext); err == nil {
			if ns, err := projectd.JSONMembers(top[name]); err == nil {
				state, _ = projectd.JSONString(ns[key])
			}
		}
	}
	if state == "" {
		state = idx.Default.(string)
	}
	return countKey{p.Owner.ID, state}
}

// fastCountSQL counts from project_counts when the filter is an owner (and perhaps a
// value of the counted ext path) whose projects the caller sees all of: the owner
// themselves, or an admin. ok is false when the filter needs a real COUNT.
func (db *DB) fastCountSQL(a *projectd.Auth, f *projectd.ProjectFilter) (q string, args []any, ok bool) {
	rest := *f
	rest.OwnerID, rest.Ext = 0, nil // every other condition needs a real count
	if f.OwnerID == 0 || !reflect.ValueOf(rest).IsZero() || (!a.User.IsAdmin() && a.User.ID != f.OwnerID) {
		return "", nil, false
	}
	q, args = "SELECT COALESCE(SUM(n), 0) FROM project_counts WHERE owner_id = ?", []any{f.OwnerID}
	for _, e := range f.Ext {
		if e.Path != db.Ext.CountedPath() {
			return "", nil, false
		}
		q += " AND state = ?"
		args = append(args, e.Value)
	}
	return q, args, true
}
