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
	defer db.timed(projectd.OpGet)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	var p *projectd.Project
	err = db.reading(ctx, a, func(ctx context.Context) (err error) {
		p, err = findVisible(ctx, db.queryRow, a, ref)
		return err
	})
	return p, err
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
	defer db.timed(projectd.OpPage)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = projectd.DefaultLimit
	}
	var page *projectd.ProjectPage
	err = db.reading(ctx, a, func(ctx context.Context) error {
		q := q // a retry normalizes afresh
		if err := db.normalize(ctx, &q); err != nil {
			return err
		}
		page, err = db.page(ctx, a, &q, limit, 0, true)
		return err
	})
	return page, err
}

// page reads up to limit projects of q for a — fewer once their ext reaches maxExt bytes,
// when maxExt > 0 — from the page cache or the projects table, with the users and
// workspaces they name from the reference cache, and q's total if it asks for one. keep
// puts a page read from the table into the page cache.
func (db *DB) page(ctx context.Context, a *projectd.Auth, q *projectd.ProjectQuery, limit, maxExt int, keep bool) (*projectd.ProjectPage, error) {
	query, args := db.sql().listSQL(selectPage, a, q, limit+1) // one more tells whether more exist
	key := pageKey(query, args, q.Count)
	if maxExt > 0 {
		key += "\x00ext<" + strconv.Itoa(maxExt)
	}
	cached, version, cacheable := db.cachedPage(ctx, key)
	if cached != nil {
		return cached, nil
	}
	var rows rows
	var total func() (int64, error)
	var err error
	batched, rowByRow := false, false
	var countQuery string
	var countArgs []any
	if q.Count {
		countQuery, countArgs, rowByRow = db.countQuery(a, &q.Filter)
		rows, total, batched, err = db.engine.pageAndCount(ctx, query, args, countQuery, countArgs)
	}
	if !batched {
		rows, err = db.query(ctx, query, args...)
		total = func() (n int64, err error) { return n, db.queryRow(ctx, countQuery, countArgs...).Scan(&n) }
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &projectd.ProjectPage{Projects: make([]*projectd.Project, 0, min(limit, 256))}
	refs := make([]projectRefs, 0, cap(page.Projects))
	scan := newPageScanner()
	extBytes := 0
	for rows.Next() {
		if len(page.Projects) == limit || (maxExt > 0 && extBytes >= maxExt) {
			page.HasMore = true
			break
		}
		p, r, err := scan.scan(rows)
		if err != nil {
			return nil, err
		}
		page.Projects = append(page.Projects, p)
		refs = append(refs, r)
		extBytes += len(p.Ext)
	}
	rows.Close() // before the total, which follows the rows on the wire
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if q.Count {
		endCount := db.timed(projectd.OpCount) // batched with the page, what reading it still takes
		n, err := total()
		endCount()
		if err == nil {
			page.Total, err = checkCount(n, rowByRow)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := db.refs.fill(ctx, db, page.Projects, refs); err != nil {
		return nil, err
	}
	if cacheable && keep {
		db.pages.put(version, key, page)
	}
	return page, nil
}

// Streams read projects a chunk at a time, of streamChunk rows or streamChunkBytes of
// ext, whichever comes first: a store connection is held only while a chunk is read,
// never while fn (a slow client, perhaps) takes its time, and memory holds one chunk.
// The chunks of a stream's first streamCached projects go to the page cache, so that a
// whole collection of a thousand (NAVER's, Tervis's) is read again from memory, and a
// long stream does not push every page out of it.
var (
	streamChunk      = 256
	streamChunkBytes = 4 << 20
	streamCached     = 2048
)

// StreamProjects calls fn for every matching project in order. It pages by keyset
// underneath, so a stream is not one snapshot: a project written while it runs may or
// may not be in it (each is there at most once, in order).
func (db *DB) StreamProjects(ctx context.Context, q projectd.ProjectQuery, fn func(*projectd.Project) error) error {
	defer db.timed(projectd.OpStream)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return err
	}
	if err := db.normalize(ctx, &q); err != nil {
		return err
	}
	if q.Offset > 0 {
		return projectd.Invalid("offset", "streams page by keyset, not by offset")
	}
	remaining, streamed := q.Limit, 0 // remaining 0: all of them
	for {
		chunk := streamChunk
		if q.Limit > 0 {
			chunk = min(chunk, remaining)
		}
		var page *projectd.ProjectPage
		err := db.reading(ctx, a, func(ctx context.Context) (err error) { // each chunk where it may go
			page, err = db.page(ctx, a, &q, chunk, streamChunkBytes, streamed < streamCached)
			return err
		})
		if err != nil {
			return err
		}
		batch, more := page.Projects, page.HasMore
		for _, p := range batch {
			if err := fn(p); err != nil {
				return err
			}
		}
		remaining -= len(batch)
		streamed += len(batch)
		if !more || (q.Limit > 0 && remaining == 0) {
			return nil
		}
		q.After = db.Ext.Keyset(batch[len(batch)-1], q.Sort)
	}
}

// CountProjects counts the matching projects the caller may see, from indexes alone.
func (db *DB) CountProjects(ctx context.Context, f projectd.ProjectFilter) (int64, error) {
	defer db.timed(projectd.OpCount)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.reading(ctx, a, func(ctx context.Context) error {
		q := projectd.ProjectQuery{Filter: f}
		if err := db.normalize(ctx, &q); err != nil {
			return err
		}
		n, err = db.count(ctx, a, &q.Filter)
		return err
	})
	return n, err
}

func (db *DB) count(ctx context.Context, a *projectd.Auth, f *projectd.ProjectFilter) (int64, error) {
	query, args, rowByRow := db.countQuery(a, f)
	var n int64
	err := db.queryRow(ctx, query, args...).Scan(&n)
	if err != nil {
		return 0, err
	}
	return checkCount(n, rowByRow)
}

// countQuery is the query that counts what f matches for a: from the counters when they
// cover f, else (rowByRow) the rows themselves, up to one past maxExactCount.
func (db *DB) countQuery(a *projectd.Auth, f *projectd.ProjectFilter) (query string, args []any, rowByRow bool) {
	if query, args, ok := db.counterSQL(a, f); ok {
		return query, args, false
	}
	query, args = db.sql().countSQL(a, f)
	return query, args, true
}

// checkCount refuses a row-by-row total that passed maxExactCount.
func checkCount(n int64, rowByRow bool) (int64, error) {
	if rowByRow && n > int64(maxExactCount) {
		return 0, projectd.Invalid("count", "more than %d projects match a filter with q, name, id or time bounds, which count=exact counts row by row: narrow the filter, or leave count out", maxExactCount)
	}
	return n, nil
}

// normalize checks and completes q as every read does (projectd.ProjectQuery.Normalize),
// then resolves its owner filter to an id.
func (db *DB) normalize(ctx context.Context, q *projectd.ProjectQuery) error {
	if err := q.Normalize(db.Ext); err != nil {
		return err
	}
	return db.resolveOwner(ctx, &q.Filter)
}

// noUser is the owner id of a filter whose owner does not exist: it matches nothing.
const noUser = -1

// resolveOwner turns f.Owner (a uid, else a login) into f.OwnerID, from the reference
// cache when it has seen the user (users never change or go away). A filter on an id
// lets PostgreSQL's one generic plan read an owner's index in order; on the value of a
// subquery it sorted every project of the owner (200,000 for a big one) for each page.
func (db *DB) resolveOwner(ctx context.Context, f *projectd.ProjectFilter) error {
	if f.Owner == "" {
		return nil
	}
	ref, col := f.Owner, "login"
	if u, err := uuid.Parse(f.Owner); err == nil {
		ref, col = u.String(), "uid"
	}
	id, ok := db.refs.ownerID(ref)
	if !ok {
		err := db.queryRow(ctx, "SELECT id FROM users WHERE "+col+" = ?", ref).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id = noUser
		case err != nil:
			return err
		default:
			db.refs.keepOwnerID(ref, id)
		}
	}
	if f.OwnerID != 0 && f.OwnerID != id {
		id = noUser // two owners at once: nothing matches
	}
	f.Owner, f.OwnerID = "", id
	return nil
}
