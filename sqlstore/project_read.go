// Reads of projects: one by id or uid, pages, streams and counts. Visibility is a
// condition of every query.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/google/uuid"

	"projectd"
)

// FindProject returns one project by numeric id or uid, if the caller may see it.
func (db *DB) FindProject(ctx context.Context, ref string) (*projectd.Project, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	return findVisible(ctx, db.queryRow, a, ref)
}

// rowReader runs a query of one row: the read pool's, or a transaction's.
type rowReader func(ctx context.Context, query string, args ...any) scanner

// findVisible reads one project that a may see, by numeric id or uid.
func findVisible(ctx context.Context, read rowReader, a *projectd.Auth, ref string) (*projectd.Project, error) {
	col, arg, err := projectRef(ref)
	if err != nil {
		return nil, err
	}
	var w where
	w.add(col+" = ?", arg)
	w.visible(a)
	p, err := scanProject(read(ctx, selectProjects+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(ref)
	}
	return p, err
}

func notFound(ref string) error {
	return projectd.Errorf(projectd.ENOTFOUND, "no project %s", ref)
}

// projectRef tells a numeric id from a uid; anything else cannot exist.
func projectRef(ref string) (string, any, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return "p.id", id, nil
	}
	if u, err := uuid.Parse(ref); err == nil {
		return "p.uid", u.String(), nil
	}
	return "", nil, notFound(ref)
}

// ListProjects returns one page of the projects the caller may see.
func (db *DB) ListProjects(ctx context.Context, q projectd.ProjectQuery) (*projectd.ProjectPage, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	if err := q.Normalize(db.Ext); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = projectd.DefaultLimit
	}
	query, args := db.sql().listSQL(selectPage, a, &q, limit+1) // one more tells whether more exist
	var rows rows
	var total func() (int64, error)
	batched := false
	if q.Count {
		countQuery, countArgs := db.countQuery(a, &q.Filter)
		rows, total, batched, err = db.engine.pageAndCount(ctx, query, args, countQuery, countArgs)
	}
	if !batched {
		rows, err = db.query(ctx, query, args...)
		total = func() (int64, error) { return db.count(ctx, a, &q.Filter) }
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &projectd.ProjectPage{Projects: make([]*projectd.Project, 0, limit)}
	refs := make([]projectRefs, 0, limit)
	scan := newPageScanner()
	for rows.Next() {
		if len(page.Projects) == limit {
			page.HasMore = true
			break
		}
		p, r, err := scan.scan(rows)
		if err != nil {
			return nil, err
		}
		page.Projects = append(page.Projects, p)
		refs = append(refs, r)
	}
	rows.Close() // before the total, which follows the rows on the wire
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if q.Count {
		if page.Total, err = total(); err != nil {
			return nil, err
		}
	}
	if err := db.refs.fill(ctx, db, page.Projects, refs); err != nil {
		return nil, err
	}
	return page, nil
}

// StreamProjects calls fn for every matching project in order, one row at a time.
func (db *DB) StreamProjects(ctx context.Context, q projectd.ProjectQuery, fn func(*projectd.Project) error) error {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return err
	}
	if err := q.Normalize(db.Ext); err != nil {
		return err
	}
	query, args := db.sql().listSQL(selectProjects, a, &q, q.Limit)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountProjects counts the matching projects the caller may see, from indexes alone.
func (db *DB) CountProjects(ctx context.Context, f projectd.ProjectFilter) (int64, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return 0, err
	}
	q := projectd.ProjectQuery{Filter: f}
	if err := q.Normalize(db.Ext); err != nil {
		return 0, err
	}
	return db.count(ctx, a, &q.Filter)
}

func (db *DB) count(ctx context.Context, a *projectd.Auth, f *projectd.ProjectFilter) (int64, error) {
	query, args := db.countQuery(a, f)
	var n int64
	err := db.queryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// countQuery is the query that counts what f matches for a.
func (db *DB) countQuery(a *projectd.Auth, f *projectd.ProjectFilter) (string, []any) {
	if query, args, ok := db.fastCountSQL(a, f); ok {
		return query, args
	}
	return db.sql().countSQL(a, f)
}
