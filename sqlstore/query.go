package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"projectd"
)

// projectColumns are a project's own columns, first in both of the selects below.
const projectColumns = `p.id, p.uid, p.name, p.description, p.status, p.created_at, p.updated_at, p.version, p.ext`

// selectProjects reads a project with its owner, workspace and editors in one query, so
// that a read never costs a query per row.
const selectProjects = `SELECT ` + projectColumns + `,
	o.id, o.uid, o.login, o.email, o.first_name, o.last_name, o.avatar_url, o.role, o.created_at,
	w.name,
	cb.id, cb.uid, cb.login, cb.email, ub.id, ub.uid, ub.login, ub.email
FROM projects p
JOIN users o ON o.id = p.owner_id
LEFT JOIN workspaces w ON w.id = p.workspace_id
JOIN users cb ON cb.id = p.created_by
JOIN users ub ON ub.id = p.updated_by`

// selectPage reads projects alone, with the ids of the users and workspace they name,
// which refCache.fill turns into rows.
const selectPage = `SELECT ` + projectColumns + `, p.owner_id, p.created_by, p.updated_by, p.workspace_id FROM projects p`

// scanner is a row to scan: database/sql's or pgx's, of a query or a transaction.
type scanner interface{ Scan(...any) error }

func scanProject(row scanner) (*projectd.Project, error) {
	p := &projectd.Project{Owner: &projectd.User{}, CreatedBy: &projectd.User{}, UpdatedBy: &projectd.User{}}
	var created, updated, ownerCreated int64
	var ext string
	var workspace *string
	o, cb, ub := p.Owner, p.CreatedBy, p.UpdatedBy
	err := row.Scan(&p.ID, &p.UID, &p.Name, &p.Description, &p.Status, &created, &updated, &p.Version, &ext,
		&o.ID, &o.UID, &o.Login, &o.Email, &o.FirstName, &o.LastName, &o.AvatarURL, &o.Role, &ownerCreated,
		&workspace,
		&cb.ID, &cb.UID, &cb.Login, &cb.Email, &ub.ID, &ub.UID, &ub.Login, &ub.Email)
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt, o.CreatedAt = fromMicros(created), fromMicros(updated), fromMicros(ownerCreated)
	p.Ext = []byte(ext)
	if workspace != nil {
		p.Workspace = *workspace
	}
	return p, nil
}

// pageScanner scans rows of selectPage into destinations it keeps, so that a row costs
// its project and its strings, not a slice of destinations and boxed numbers.
type pageScanner struct {
	row              projectd.Project
	created, updated int64
	ext              []byte
	refs             projectRefs
	workspace        *int64
	dest             []any
}

func newPageScanner() *pageScanner {
	s := &pageScanner{}
	p, r := &s.row, &s.refs
	s.dest = []any{&p.ID, &p.UID, &p.Name, &p.Description, &p.Status, &s.created, &s.updated, &p.Version, &s.ext,
		&r.owner, &r.createdBy, &r.updatedBy, &s.workspace}
	return s
}

// scan reads one row; the project and its ext are new for each row.
func (s *pageScanner) scan(row scanner) (*projectd.Project, projectRefs, error) {
	s.ext, s.workspace = nil, nil
	if err := row.Scan(s.dest...); err != nil {
		return nil, projectRefs{}, err
	}
	p := new(projectd.Project)
	*p = s.row
	p.CreatedAt, p.UpdatedAt, p.Ext = fromMicros(s.created), fromMicros(s.updated), s.ext
	r := s.refs
	if s.workspace != nil {
		r.workspace = *s.workspace
	}
	return p, r, nil
}

// where collects the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// visible adds the visibility rule for a: admins see everything; members see the
// projects they own and those of the workspaces they belong to.
func (w *where) visible(a *projectd.Auth) {
	if a.User.IsAdmin() {
		return
	}
	w.add("(p.owner_id = ? OR p.workspace_id IN (SELECT workspace_id FROM workspace_members WHERE user_id = ?))", a.User.ID, a.User.ID)
}

// builder writes the SQL of lists and counts in a dialect, with the columns of the
// indexed ext paths that the surfaces declare.
type builder struct {
	d   *dialect
	ext *projectd.Extensions
}

// extColumn is the generated column of an indexed ext path ("textking.state"); the
// migrations of both engines define it (TestIndexedColumnsExist).
func (b builder) extColumn(path string) string {
	idx, _ := b.ext.Index(path)
	return "p." + idx.Column
}

// filter adds the conditions of f, whose Owner resolveOwner has made OwnerID. Every
// column and expression here has an index.
func (b builder) filter(w *where, f *projectd.ProjectFilter) {
	d := b.d
	if f.Status != "" {
		w.add("p.status = ?", f.Status)
	}
	if f.OwnerID != 0 {
		w.add("p.owner_id = ?", f.OwnerID)
	}
	if f.Workspace != "" {
		w.add("p.workspace_id = (SELECT id FROM workspaces WHERE name = ?)", f.Workspace)
	}
	bound := func(col, op string, v *int64) {
		if v != nil {
			w.add(col+" "+op+" ?", *v)
		}
	}
	bound("p.id", ">", f.IDGt)
	bound("p.id", ">=", f.IDGte)
	bound("p.id", "<", f.IDLt)
	bound("p.id", "<=", f.IDLte)
	timeBound := func(col, op string, t *time.Time) {
		if t != nil {
			w.add(col+" "+op+" ?", micros(*t))
		}
	}
	timeBound("p.created_at", ">", f.CreatedGt)
	timeBound("p.created_at", ">=", f.CreatedGte)
	timeBound("p.created_at", "<", f.CreatedLt)
	timeBound("p.created_at", "<=", f.CreatedLte)
	timeBound("p.updated_at", ">", f.UpdatedGt)
	timeBound("p.updated_at", ">=", f.UpdatedGte)
	timeBound("p.updated_at", "<", f.UpdatedLt)
	timeBound("p.updated_at", "<=", f.UpdatedLte)
	if f.Name != "" {
		w.add("p.name = ?", f.Name)
	}
	if f.Q != "" {
		pattern := "%" + escapeLike(f.Q) + "%"
		w.add(fmt.Sprintf(`(p.name %[1]s ? ESCAPE '\' OR p.description %[1]s ? ESCAPE '\')`, d.like), pattern, pattern)
	}
	for _, e := range f.Ext {
		w.add(b.extColumn(e.Path)+" = ?", e.Value)
	}
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// sortExpr returns the column or expression a sort field orders by.
func (b builder) sortExpr(field string) string {
	switch field {
	case projectd.SortID:
		return "p.id"
	case projectd.SortName:
		return "p.name"
	case projectd.SortCreated:
		return "p.created_at"
	case projectd.SortUpdated:
		return "p.updated_at"
	}
	return b.extColumn(strings.TrimPrefix(field, "ext."))
}

// keysetValue converts a keyset value to what the column holds.
func keysetValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return micros(t)
	}
	return v
}

// after adds the keyset condition "rows strictly after the row with these sort values".
// One direction throughout becomes a row comparison, which both engines answer with an
// index range scan; mixed directions expand to (a > x) OR (a = x AND b > y) ...
func (b builder) after(w *where, sort []projectd.SortKey, values []any) {
	sameDir := true
	for _, k := range sort {
		sameDir = sameDir && k.Desc == sort[0].Desc
	}
	if sameDir {
		cols := make([]string, len(sort))
		marks := make([]string, len(sort))
		args := make([]any, len(sort))
		for i, k := range sort {
			cols[i], marks[i], args[i] = b.sortExpr(k.Field), "?", keysetValue(values[i])
		}
		op := ">"
		if sort[0].Desc {
			op = "<"
		}
		if len(sort) == 1 {
			w.add(cols[0]+" "+op+" ?", args...)
			return
		}
		w.add("("+strings.Join(cols, ", ")+") "+op+" ("+strings.Join(marks, ", ")+")", args...)
		return
	}
	var ors []string
	var args []any
	for i, k := range sort {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, b.sortExpr(sort[j].Field)+" = ?")
			args = append(args, keysetValue(values[j]))
		}
		op := ">"
		if k.Desc {
			op = "<"
		}
		ands = append(ands, b.sortExpr(k.Field)+" "+op+" ?")
		args = append(args, keysetValue(values[i]))
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	w.add("("+strings.Join(ors, " OR ")+")", args...)
}

func (b builder) orderBy(sort []projectd.SortKey) string {
	parts := make([]string, len(sort))
	for i, k := range sort {
		parts[i] = b.sortExpr(k.Field)
		if k.Desc {
			parts[i] += " DESC"
		}
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// listSQL builds the query of one page (limit > 0) or of a whole stream (limit 0), reading
// the columns of head: selectProjects or selectPage.
func (b builder) listSQL(head string, a *projectd.Auth, q *projectd.ProjectQuery, limit int) (string, []any) {
	var w where
	w.visible(a)
	b.filter(&w, &q.Filter)
	if q.After != nil {
		b.after(&w, q.Sort, q.After)
	}
	query := head + w.sql() + b.orderBy(q.Sort)
	// LIMIT and OFFSET are literals, not parameters: PostgreSQL plans prepared statements
	// generically, and a plan that knows it stops after a page walks an index instead of
	// joining everything.
	if limit > 0 {
		query += " LIMIT " + strconv.Itoa(limit)
	} else if q.Offset > 0 {
		query += map[bool]string{true: " LIMIT ALL", false: " LIMIT -1"}[b.d.dollarBinds]
	}
	if q.Offset > 0 {
		query += " OFFSET " + strconv.Itoa(q.Offset)
	}
	return query, w.args
}

// countSQL counts the rows that f matches for a, up to one past maxExactCount.
func (b builder) countSQL(a *projectd.Auth, f *projectd.ProjectFilter) (string, []any) {
	var w where
	w.visible(a)
	b.filter(&w, f)
	return "SELECT COUNT(*) FROM (SELECT 1 FROM projects p" + w.sql() + " LIMIT " + strconv.Itoa(maxExactCount+1) + ") AS capped", w.args
}
