package sqlstore

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"

	"projectd"
)

// changes is what the writes of one transaction did to projects. Every change to a
// project row is recorded here — by create, update, archive, delete, import and the bulk
// load — and DB.afterWrite applies it before the transaction commits: the one place where
// the per-owner counters are kept, and where metrics, a change feed and cache
// invalidation hook.
type changes struct {
	counts map[countKey]int // how each count moves
	rows   int              // project rows written
}

func newChanges() *changes { return &changes{counts: map[countKey]int{}} }

// created records a new row counted under key.
func (c *changes) created(key countKey) {
	c.counts[key]++
	c.rows++
}

// changed records a row that moved from one count to another (perhaps the same).
func (c *changes) changed(from, to countKey) {
	if from != to {
		c.counts[from]--
		c.counts[to]++
	}
	c.rows++
}

// deleted records a row removed from the count under key.
func (c *changes) deleted(key countKey) {
	c.counts[key]--
	c.rows++
}

// afterWrite applies c in tx and empties it: the counters move, bulkRows keys a
// statement, in key order so that concurrent writers on PostgreSQL take the row locks in
// the same order.
func (db *DB) afterWrite(ctx context.Context, tx *Tx, c *changes) error {
	keys := slices.SortedFunc(maps.Keys(c.counts), func(a, b countKey) int {
		return cmp.Or(cmp.Compare(a.owner, b.owner), strings.Compare(a.state, b.state))
	})
	keys = slices.DeleteFunc(keys, func(k countKey) bool { return c.counts[k] == 0 })
	for start := 0; start < len(keys); start += bulkRows {
		batch := keys[start:min(start+bulkRows, len(keys))]
		args := make([]any, 0, 3*len(batch))
		for _, key := range batch {
			args = append(args, key.owner, key.state, c.counts[key])
		}
		if _, err := tx.exec(ctx, `INSERT INTO project_counts (owner_id, state, n) VALUES `+
			rowsOf("(?, ?, ?)", len(batch))+`
			ON CONFLICT (owner_id, state) DO UPDATE SET n = project_counts.n + excluded.n`, args...); err != nil {
			return err
		}
	}
	clear(c.counts)
	c.rows = 0
	return nil
}

// assignment is one column of an UPDATE of a project row.
type assignment struct {
	column string
	value  any
}

// updateRow applies set to p's row as the caller a, if p is still at the version that
// was read (else errRetry: read it again), bumping the version, updated_at and
// updated_by; it returns the row as it is now and records the change in c. Every update
// of a project goes through here.
func (db *DB) updateRow(ctx context.Context, tx *Tx, a *projectd.Auth, p *projectd.Project, set []assignment, c *changes) (*projectd.Project, error) {
	columns := "updated_at = ?, updated_by = ?, version = version + 1"
	args := []any{micros(db.now()), a.User.ID}
	for _, s := range set {
		columns += ", " + s.column + " = ?"
		args = append(args, s.value)
	}
	res, err := tx.exec(ctx, "UPDATE projects SET "+columns+" WHERE id = ? AND version = ?", append(args, p.ID, p.Version)...)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errRetry
	}
	out, err := scanProject(tx.queryRow(ctx, selectProjects+" WHERE p.id = ?", p.ID))
	if err != nil {
		return nil, err
	}
	c.changed(db.keyOf(p), db.keyOf(out))
	return out, nil
}
