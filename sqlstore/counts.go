// Totals from maintained counters: project_tallies counts projects by owner, workspace,
// status and the counted ext path's value; project_totals everyone's by status and state.
// Every write path records its changes (changes.go) and afterWrite moves both in the
// write's own transaction, so a total of any combination of those filters reads a few
// counter rows. Other filters count the rows themselves, up to maxExactCount.

package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"projectd"
)

// countKey is the row of project_tallies a project counts in.
type countKey struct {
	owner     int64
	workspace string // its name; "" for none
	status    string
	state     string
}

// totalShards spreads everyone's totals over rows by owner, so that concurrent writers on
// PostgreSQL seldom wait on one row's lock; a total reads at most this many per status
// and state.
const totalShards = 16

// counterTable is one table of counters: the columns of its key, and the row a project's
// countKey counts in, as a countKey with the fields the table does not keep zero (the
// shard of project_totals in owner).
type counterTable struct {
	name, columns string
	row           func(countKey) countKey
	fields        func(*countKey) []any // the key's fields that columns name, in their order
}

// counterTables are every table of counters, in the order writers lock their rows.
var counterTables = []counterTable{
	{"project_tallies", "owner_id, workspace, status, state",
		func(k countKey) countKey { return k },
		func(k *countKey) []any { return []any{&k.owner, &k.workspace, &k.status, &k.state} }},
	{"project_owner_totals", "owner_id, status, state",
		func(k countKey) countKey { return countKey{owner: k.owner, status: k.status, state: k.state} },
		func(k *countKey) []any { return []any{&k.owner, &k.status, &k.state} }},
	{"project_totals", "shard, status, state",
		func(k countKey) countKey {
			return countKey{owner: k.owner % totalShards, status: k.status, state: k.state}
		},
		func(k *countKey) []any { return []any{&k.owner, &k.status, &k.state} }},
}

// values are the values of the key's columns in table.
func (table counterTable) values(k countKey) []any {
	fields := table.fields(&k)
	for i, f := range fields {
		switch f := f.(type) {
		case *int64:
			fields[i] = *f
		case *string:
			fields[i] = *f
		}
	}
	return fields
}

// keyOf is the count a project is in.
func (db *DB) keyOf(p *projectd.Project) countKey {
	return countKey{p.Owner.ID, p.Workspace, p.Status, db.stateOf(p.Ext)}
}

// stateOf is the value of the counted ext path in ext: its default when unset, "" when
// no surface declares one.
func (db *DB) stateOf(ext json.RawMessage) string {
	path := db.Ext.CountedPath()
	if path == "" {
		return ""
	}
	idx, _ := db.Ext.Index(path)
	name, key, _ := strings.Cut(path, ".")
	var state string
	if bytes.Contains(ext, []byte(`"`+name+`"`)) { // most projects lack the namespace: no need to parse
		if top, err := projectd.JSONMembers(ext); err == nil {
			if ns, err := projectd.JSONMembers(top[name]); err == nil {
				state, _ = projectd.JSONString(ns[key])
			}
		}
	}
	if state == "" {
		state = idx.Default.(string)
	}
	return state
}

// maxExactCount is the most projects a total counts row by row, for a filter that the
// counters do not cover (q, name, id or time bounds); past it the total is refused
// (EINVALID on count), never an unbounded scan. A variable for tests.
var maxExactCount = 100_000

// counterSQL is the query that sums the counters for f as a sees it (f's Owner resolved
// into OwnerID), when f filters by nothing but owner, workspace, status and the counted
// ext path; ok is false otherwise.
func (db *DB) counterSQL(a *projectd.Auth, f *projectd.ProjectFilter) (q string, args []any, ok bool) {
	rest := *f
	rest.Status, rest.Owner, rest.OwnerID, rest.Workspace, rest.Ext = "", "", 0, "", nil
	if !reflect.ValueOf(rest).IsZero() {
		return "", nil, false
	}
	var w where
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	for _, e := range f.Ext {
		if e.Path != db.Ext.CountedPath() {
			return "", nil, false
		}
		w.add("state = ?", e.Value)
	}
	sum := func(table string, w where) (string, []any) {
		return "SELECT COALESCE(SUM(n), 0) FROM " + table + w.sql(), w.args
	}
	me, admin := a.User, a.User.IsAdmin()
	switch {
	case f.Workspace != "":
	case f.OwnerID == 0 && admin:
		q, args = sum("project_totals", w)
		return q, args, true
	case f.OwnerID == 0: // a member: their own, and the rest of their workspaces'
		own := w
		own.add("owner_id = ?", me.ID)
		ownQ, ownArgs := sum("project_owner_totals", own)
		// From the member's workspaces to their counters, not the other way round.
		w.add("m.user_id = ?", me.ID)
		w.add("t.owner_id <> ?", me.ID)
		restQ, restArgs := sum("workspace_members m JOIN workspaces ws ON ws.id = m.workspace_id JOIN project_tallies t ON t.workspace = ws.name", w)
		return "SELECT (" + ownQ + ") + (" + restQ + ")", append(ownArgs, restArgs...), true
	case admin || f.OwnerID == me.ID: // every project of the owner is visible
		w.add("owner_id = ?", f.OwnerID)
		q, args = sum("project_owner_totals", w)
		return q, args, true
	}
	if f.OwnerID != 0 {
		w.add("owner_id = ?", f.OwnerID)
	}
	if f.Workspace != "" {
		w.add("workspace = ?", f.Workspace)
	}
	if !admin { // what visible() says, in the counters' terms
		w.add("(owner_id = ? OR workspace IN ("+memberWorkspaces+"))", me.ID, me.ID)
	}
	q, args = sum("project_tallies", w)
	return q, args, true
}

// memberWorkspaces are the names of the workspaces of the user given as its argument.
const memberWorkspaces = "SELECT ws.name FROM workspace_members m JOIN workspaces ws ON ws.id = m.workspace_id WHERE m.user_id = ?"

// VerifyCounters recounts every project and reports where a table of counters disagrees
// with the rows; nil when every one is exact.
func (db *DB) VerifyCounters(ctx context.Context) error {
	state := "''"
	if path := db.Ext.CountedPath(); path != "" {
		state = db.sql().extColumn(path)
	}
	rows, err := db.query(ctx, `SELECT p.owner_id, COALESCE(w.name, ''), p.status, `+state+`, COUNT(*)
		FROM projects p LEFT JOIN workspaces w ON w.id = p.workspace_id GROUP BY 1, 2, 3, 4`)
	if err != nil {
		return err
	}
	defer rows.Close()
	projects := map[countKey]int64{}
	for rows.Next() {
		var k countKey
		var n int64
		if err := rows.Scan(&k.owner, &k.workspace, &k.status, &k.state, &n); err != nil {
			return err
		}
		projects[k] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var wrong []string
	for _, table := range counterTables {
		want := map[countKey]int64{}
		for k, n := range projects {
			want[table.row(k)] += n
		}
		got := map[countKey]int64{}
		err := db.eachCounter(ctx, table, func(k countKey, n int64) {
			if n != 0 {
				got[k] = n
			}
		})
		if err != nil {
			return err
		}
		for k := range want {
			got[k] += 0 // every key of either map, once
		}
		for k, n := range got {
			if n != want[k] {
				wrong = append(wrong, fmt.Sprintf("%s %+v: %d, the rows say %d", table.name, k, n, want[k]))
			}
		}
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		return fmt.Errorf("sqlstore: counters disagree with the projects: %s", strings.Join(wrong, "; "))
	}
	return nil
}

// eachCounter calls fn with every row of a table of counters, its key as a countKey.
func (db *DB) eachCounter(ctx context.Context, table counterTable, fn func(countKey, int64)) error {
	rows, err := db.query(ctx, "SELECT "+table.columns+", n FROM "+table.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k countKey
		var n int64
		if err := rows.Scan(append(table.fields(&k), &n)...); err != nil {
			return err
		}
		fn(k, n)
	}
	return rows.Err()
}
