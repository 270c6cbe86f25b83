package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/google/uuid"

	"projectd"
)

// The bulk operations below are the operator's (seed, import, export): they take no
// caller and write records as given, keeping ids, uids and times when they are set.

// sortInRunsFrom is the size of table from which index builds sort in small runs.
var sortInRunsFrom = 150_000 // a variable so that tests can take the path with a few rows

// bulkRows is how many rows one multi-row INSERT carries (13 columns each, well under
// both engines' limits on bound parameters).
const bulkRows = 500

// LoadProjects writes every batch that next returns (until an empty one) in one
// transaction, validating the next batches beside the writer while it writes the last.
// Into an empty projects table it drops the secondary indexes first and builds them
// again at the end, since sorting once is far cheaper than updating every index for every
// row; being one transaction, a failure leaves the table and its indexes as they were.
// loaded is called after each batch with the running total.
func (db *DB) LoadProjects(ctx context.Context, next func() ([]*projectd.Project, error), loaded func(n int)) error {
	defer db.timed(projectd.OpBulk)()
	type prepared struct {
		rows []preparedRow
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Batches are validated concurrently and written in the order next made them: each
	// waits in pending for its own result. The writer is the bottleneck; a core is left
	// to it.
	pending := make(chan chan prepared, max(1, runtime.GOMAXPROCS(0)-1))
	go func() {
		defer close(pending)
		for {
			batch, err := next()
			if err == nil && len(batch) == 0 {
				return
			}
			result := make(chan prepared, 1)
			select {
			case pending <- result:
			case <-ctx.Done():
				return
			}
			if err != nil {
				result <- prepared{err: err}
				return
			}
			go func() {
				rows, err := db.prepareRows(batch)
				result <- prepared{rows, err}
			}()
		}
	}()
	return db.engine.bulkTx(ctx, func(tx *Tx) error {
		rebuild, err := db.dropIndexesIfEmpty(ctx, tx)
		if err != nil {
			return err
		}
		l := newLoader(tx)
		total := 0
		for result := range pending {
			b := <-result
			if b.err != nil {
				return b.err
			}
			if err := l.insert(ctx, b.rows); err != nil {
				return err
			}
			total += len(b.rows)
			loaded(total)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := l.tx.db.afterWrite(ctx, l.tx, l.changes); err != nil {
			return err
		}
		if err := db.buildIndexes(ctx, tx, rebuild, total); err != nil {
			return err
		}
		return l.syncProjectIDs(ctx)
	})
}

// preparedRow is a validated project whose user and workspace ids may still need a lookup.
type preparedRow struct {
	p     *projectd.Project
	ext   string
	state string // the value of the counted ext path it counts under
}

// prepareRows validates projects and fills in defaults; it needs no database.
func (db *DB) prepareRows(projects []*projectd.Project) ([]preparedRow, error) {
	rows := make([]preparedRow, len(projects))
	withIDs := projects[0].ID != 0
	for i, p := range projects {
		if (p.ID != 0) != withIDs {
			return nil, fmt.Errorf("project %q: give ids to every project of an import or to none", p.Name)
		}
		c := projectd.ProjectCreate{Name: p.Name, Description: p.Description, Status: p.Status, Workspace: p.Workspace}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("project %q: %w", p.Name, err)
		}
		ext, err := db.checkExt(p.Ext)
		if err != nil {
			return nil, fmt.Errorf("project %q: %w", p.Name, err)
		}
		if p.Owner == nil {
			return nil, fmt.Errorf("project %q: %w", p.Name, projectd.Invalid("owner", "owner is required"))
		}
		if p.UID == "" {
			p.UID = uuid.Must(uuid.NewV7()).String()
		}
		if p.Status == "" {
			p.Status = projectd.StatusActive
		}
		if p.CreatedAt.IsZero() {
			p.CreatedAt = db.now()
		}
		if p.UpdatedAt.IsZero() {
			p.UpdatedAt = p.CreatedAt
		}
		if p.Version == 0 {
			p.Version = 1
		}
		if p.CreatedBy == nil {
			p.CreatedBy = p.Owner
		}
		if p.UpdatedBy == nil {
			p.UpdatedBy = p.CreatedBy
		}
		rows[i] = preparedRow{p: p, ext: ext, state: db.stateOf(json.RawMessage(ext))}
	}
	return rows, nil
}

// loader inserts prepared rows in a transaction, resolving logins and workspace names
// and recording the rows in its changes, which afterWrite applies.
type loader struct {
	tx          *Tx
	stmts       map[string]*sql.Stmt // the INSERTs of this load, prepared once for every batch
	explicitIDs bool                 // some rows came with ids of their own
	users       loginCache
	workspaces  workspaceCache
	changes     *changes
}

func newLoader(tx *Tx) *loader {
	return &loader{tx: tx, stmts: map[string]*sql.Stmt{}, users: loginCache{}, workspaces: workspaceCache{}, changes: newChanges()}
}

// rowsOf is the VALUES list of n rows of marks, such as "(?, ?), (?, ?)".
func rowsOf(marks string, n int) string {
	return strings.TrimSuffix(strings.Repeat(marks+", ", n), ", ")
}

// insertStmt prepares query in the load's transaction once; the statement closes with it.
func (l *loader) insertStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if stmt, ok := l.stmts[query]; ok {
		return stmt, nil
	}
	stmt, err := l.tx.PrepareContext(ctx, l.tx.db.dialect.rebind(query))
	if err == nil {
		l.stmts[query] = stmt
	}
	return stmt, err
}

func (l *loader) insert(ctx context.Context, rows []preparedRow) error {
	if len(rows) == 0 {
		return nil
	}
	withIDs := rows[0].p.ID != 0
	if withIDs {
		l.explicitIDs = true
	} else if first, err := l.tx.db.projectIDs(ctx, len(rows)); err != nil {
		return err
	} else if first != 0 { // PostgreSQL: ids from a reserved range
		for i, r := range rows {
			r.p.ID = first + int64(i)
		}
		withIDs = true
	}
	columns := []string{"uid", "name", "description", "status", "owner_id", "workspace_id", "created_at", "updated_at", "created_by", "updated_by", "version", "ext"}
	if withIDs {
		columns = append([]string{"id"}, columns...)
	}
	values := make([][]any, 0, len(rows))
	for _, r := range rows {
		p := r.p
		var ids [3]int64
		for j, u := range []*projectd.User{p.Owner, p.CreatedBy, p.UpdatedBy} {
			if ids[j] = u.ID; ids[j] == 0 {
				id, err := l.users.id(ctx, l.tx, u.Login)
				if err != nil {
					return fmt.Errorf("project %q: %w", p.Name, err)
				}
				ids[j] = id
			}
		}
		var workspaceID any
		if p.Workspace != "" {
			id, err := l.workspaces.id(ctx, l.tx, p.Workspace)
			if err != nil {
				return fmt.Errorf("project %q: %w", p.Name, err)
			}
			workspaceID = id
		}
		l.changes.created(countKey{ids[0], p.Workspace, p.Status, r.state})
		row := []any{p.UID, p.Name, p.Description, p.Status, ids[0], workspaceID,
			micros(p.CreatedAt), micros(p.UpdatedAt), ids[1], ids[2], p.Version, r.ext}
		if withIDs {
			row = append([]any{p.ID}, row...)
		}
		values = append(values, row)
	}
	copied, err := l.tx.db.engine.copyProjects(ctx, l.tx, columns, values)
	if !copied {
		err = l.insertValues(ctx, columns, values)
	}
	if isUniqueViolation(err) {
		return projectd.Errorf(projectd.ECONFLICT, "a project of this import exists already (same id or uid)")
	}
	return err
}

// insertValues inserts rows of columns in statements of bulkRows rows, each prepared once.
func (l *loader) insertValues(ctx context.Context, columns []string, rows [][]any) error {
	marks := "(" + strings.Repeat("?, ", len(columns)-1) + "?)"
	for start := 0; start < len(rows); start += bulkRows {
		batch := rows[start:min(start+bulkRows, len(rows))]
		args := make([]any, 0, len(batch)*len(columns))
		for _, row := range batch {
			args = append(args, row...)
		}
		stmt, err := l.insertStmt(ctx, "INSERT INTO projects ("+strings.Join(columns, ", ")+") VALUES "+rowsOf(marks, len(batch)))
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// syncProjectIDs moves PostgreSQL's project id blocks past the ids that rows brought, and
// makes this process reserve a new block (other processes find out when an insert fails).
func (l *loader) syncProjectIDs(ctx context.Context) error {
	if !l.explicitIDs || !l.tx.db.engine.blocksProjectIDs() {
		return nil
	}
	l.tx.db.forgetProjectIDs()
	_, err := l.tx.exec(ctx, "UPDATE id_blocks SET next = GREATEST(next, (SELECT MAX(id) + 1 FROM projects)) WHERE name = 'projects'")
	return err
}
