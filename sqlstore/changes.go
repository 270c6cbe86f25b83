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

// afterWrite applies c in tx and empties it: every counter table's rows move, bulkRows
// keys a statement, the tables in turn and each in key order, so that concurrent writers
// on PostgreSQL take the row locks in the same order.
func (db *DB) afterWrite(ctx context.Context, tx *Tx, c *changes) error {
	defer clear(c.counts)
	c.rows = 0
	for _, table := range counterTables {
		moves := map[countKey]int{}
		for key, n := range c.counts {
			moves[table.row(key)] += n
		}
		keys := slices.SortedFunc(maps.Keys(moves), func(a, b countKey) int {
			return cmp.Or(cmp.Compare(a.owner, b.owner), strings.Compare(a.workspace, b.workspace),
				strings.Compare(a.status, b.status), strings.Compare(a.state, b.state))
		})
		keys = slices.DeleteFunc(keys, func(k countKey) bool { return moves[k] == 0 })
		for start := 0; start < len(keys); start += bulkRows {
			batch := keys[start:min(start+bulkRows, len(keys))]
			var args []any
			for _, key := range batch {
				args = append(append(args, table.values(key)...), moves[key])
			}
			marks := "(" + strings.Repeat("?, ", len(args)/len(batch)-1) + "?)"
			if _, err := tx.exec(ctx, "INSERT INTO "+table.name+" ("+table.columns+", n) VALUES "+rowsOf(marks, len(batch))+
				" ON CONFLICT ("+table.columns+") DO UPDATE SET n = "+table.name+".n + excluded.n", args...); err != nil {
				return err
			}
		}
	}
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
