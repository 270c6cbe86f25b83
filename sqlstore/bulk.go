package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
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

// ListUsers calls fn for every user, by id.
func (db *DB) ListUsers(ctx context.Context, fn func(*projectd.User) error) error {
	rows, err := db.query(ctx, "SELECT "+userColumns+" FROM users ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ImportUsers inserts users, keeping their ids when set.
func (db *DB) ImportUsers(ctx context.Context, users []*projectd.User) error {
	if len(users) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, u := range users {
			if u.Role == "" {
				u.Role = projectd.RoleMember
			}
			if err := u.Validate(); err != nil {
				return fmt.Errorf("user %s: %w", u.Login, err)
			}
			if u.UID == "" {
				u.UID = uuid.Must(uuid.NewV7()).String()
			}
			if u.CreatedAt.IsZero() {
				u.CreatedAt = db.now()
			}
			cols, marks := "uid, login, email, first_name, last_name, avatar_url, role, created_at", "?, ?, ?, ?, ?, ?, ?, ?"
			args := []any{u.UID, u.Login, u.Email, u.FirstName, u.LastName, u.AvatarURL, u.Role, micros(u.CreatedAt)}
			if u.ID != 0 {
				cols, marks, args = "id, "+cols, "?, "+marks, append([]any{u.ID}, args...)
			}
			if err := tx.queryRow(ctx, "INSERT INTO users ("+cols+") VALUES ("+marks+") RETURNING id", args...).Scan(&u.ID); err != nil {
				if isUniqueViolation(err) {
					return &projectd.Error{Code: projectd.ECONFLICT, Field: "login", Message: "user " + u.Login + " exists"}
				}
				return err
			}
		}
		return db.syncIdentity(ctx, tx, "users")
	})
}

// ImportWorkspaces inserts workspaces with their members (by login). CreatedBy and
// UpdatedBy are taken by login; unset, they are the first owner.
func (db *DB) ImportWorkspaces(ctx context.Context, workspaces []*projectd.Workspace) error {
	if len(workspaces) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx *Tx) error {
		users := loginCache{}
		for _, ws := range workspaces {
			if err := projectd.ValidateWorkspaceName(ws.Name); err != nil {
				return fmt.Errorf("workspace %s: %w", ws.Name, err)
			}
			if len(ws.Members) == 0 {
				return fmt.Errorf("workspace %s: no members", ws.Name)
			}
			now := db.now()
			if ws.CreatedAt.IsZero() {
				ws.CreatedAt = now
			}
			if ws.UpdatedAt.IsZero() {
				ws.UpdatedAt = ws.CreatedAt
			}
			creator, updater := ws.Members[0].Login, ws.Members[0].Login
			if ws.CreatedBy != nil {
				creator = ws.CreatedBy.Login
			}
			if ws.UpdatedBy != nil {
				updater = ws.UpdatedBy.Login
			}
			createdBy, err := users.id(ctx, tx, creator)
			if err != nil {
				return err
			}
			updatedBy, err := users.id(ctx, tx, updater)
			if err != nil {
				return err
			}
			cols, marks := "name, created_at, created_by, updated_at, updated_by", "?, ?, ?, ?, ?"
			args := []any{ws.Name, micros(ws.CreatedAt), createdBy, micros(ws.UpdatedAt), updatedBy}
			if ws.ID != 0 {
				cols, marks, args = "id, "+cols, "?, "+marks, append([]any{ws.ID}, args...)
			}
			if err := tx.queryRow(ctx, "INSERT INTO workspaces ("+cols+") VALUES ("+marks+") RETURNING id", args...).Scan(&ws.ID); err != nil {
				if isUniqueViolation(err) {
					return &projectd.Error{Code: projectd.ECONFLICT, Field: "name", Message: "workspace " + ws.Name + " exists"}
				}
				return err
			}
			for _, m := range ws.Members {
				if err := projectd.ValidateWorkspaceRole(m.Role); err != nil {
					return fmt.Errorf("workspace %s member %s: %w", ws.Name, m.Login, err)
				}
				if err := setMember(ctx, tx, ws.ID, m.Login, m.Role); err != nil {
					return err
				}
			}
		}
		return db.syncIdentity(ctx, tx, "workspaces")
	})
}

// ImportProjects inserts projects in multi-row statements within one transaction. Owner,
// CreatedBy and UpdatedBy are taken by ID when set, else by login; Workspace by name. Ids
// are kept when every project of the call has one.
func (db *DB) ImportProjects(ctx context.Context, projects []*projectd.Project) error {
	if len(projects) == 0 {
		return nil
	}
	rows, err := db.prepareRows(projects)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		l := newLoader(tx)
		if err := l.insert(ctx, rows); err != nil {
			return err
		}
		if err := l.flushCounts(ctx); err != nil {
			return err
		}
		return l.syncProjectIDs(ctx)
	})
}

// LoadProjects writes every batch that next returns (until an empty one) in one
// transaction, validating the next batches beside the writer while it writes the last.
// Into an empty projects table it drops the secondary indexes first and builds them
// again at the end, since sorting once is far cheaper than updating every index for every
// row; being one transaction, a failure leaves the table and its indexes as they were.
// loaded is called after each batch with the running total.
func (db *DB) LoadProjects(ctx context.Context, next func() ([]*projectd.Project, error), loaded func(n int)) error {
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
	return db.bulkTx(ctx, func(tx *Tx) error {
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
		if err := l.flushCounts(ctx); err != nil {
			return err
		}
		if err := db.buildIndexes(ctx, tx, rebuild, total); err != nil {
			return err
		}
		return l.syncProjectIDs(ctx)
	})
}

// buildIndexes runs CREATE INDEX statements on a table of about rows rows. SQLite sorts
// the keys of a big table's index fastest in small runs that fit the processor's caches,
// sorted and merged by worker threads on every core: 2.2× faster for 1,000,000 projects
// on two cores than one sort in the 64 MB cache, 1.4× for 200,000. Below
// sortInRunsFrom rows the one sort in the cache is as fast. The connection's settings
// are put back afterwards.
func (db *DB) buildIndexes(ctx context.Context, tx *Tx, creates []string, rows int) error {
	if len(creates) == 0 {
		return nil
	}
	if db.dialect == sqliteDialect && rows >= sortInRunsFrom {
		var cacheSize int
		if err := tx.queryRow(ctx, "PRAGMA cache_size").Scan(&cacheSize); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, fmt.Sprintf("PRAGMA threads = %d; PRAGMA cache_size = -2048", runtime.GOMAXPROCS(0))); err != nil {
			return err
		}
		defer tx.exec(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA threads = 0; PRAGMA cache_size = %d", cacheSize))
	}
	for _, create := range creates {
		if _, err := tx.exec(ctx, create); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	return nil
}

// bulkTx runs the one transaction of a bulk load and then refreshes the planner's
// statistics, so that it knows which indexes are selective (and, on PostgreSQL, marks
// pages all-visible so that counts can be answered from indexes alone).
//
// On SQLite, a load into an empty projects table runs with a rollback journal instead of
// the WAL: the new pages then go to the database file once, where the WAL would take every
// page of the load and copy it again at the checkpoint. The journal keeps the load
// all-or-nothing (synchronous=FULL while it is used); if another connection has the file
// open the mode cannot change, and the load goes through the WAL as any write does.
func (db *DB) bulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == postgresDialect {
		if err := db.tryTx(ctx, fn); err != nil {
			return err
		}
		_, err := db.write.ExecContext(ctx, "VACUUM (ANALYZE) projects")
		if isUnsupported(err) { // CockroachDB has no VACUUM; its ANALYZE collects statistics
			_, err = db.write.ExecContext(ctx, "ANALYZE projects")
		}
		return err
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Whether the table is empty decides the journal, which cannot change inside the
	// transaction; the transaction's own check (dropIndexesIfEmpty) decides the indexes.
	var empty bool
	if err := conn.QueryRowContext(ctx, "SELECT NOT EXISTS (SELECT 1 FROM projects)").Scan(&empty); err != nil {
		return err
	}
	if empty {
		var mode string
		// No waiting: a busy file means another connection, and the WAL is then the way.
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
			return err
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = TRUNCATE").Scan(&mode); err == nil && mode == "truncate" {
			defer func() {
				// Back to the WAL, which the file's header keeps for every later open
				// (and which every open sets again, should this fail).
				conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA journal_mode = WAL")
				conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = NORMAL")
			}()
			if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
				return err
			}
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 10000"); err != nil {
			return err
		}
	}
	if err := db.txOn(ctx, conn, fn); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "ANALYZE")
	return err
}

// dropIndexesIfEmpty drops the secondary indexes of an empty projects table and returns
// the statements that create them again; it keeps the primary key and unique indexes.
// On CockroachDB it drops nothing (see DB.cockroach).
func (db *DB) dropIndexesIfEmpty(ctx context.Context, tx *Tx) ([]string, error) {
	if db.cockroach {
		return nil, nil
	}
	var empty bool
	if err := tx.queryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM projects)").Scan(&empty); err != nil || !empty {
		return nil, err
	}
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'projects' AND sql IS NOT NULL"
	if db.dialect == postgresDialect {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'projects'
			AND indexname NOT IN (SELECT conname FROM pg_constraint)`
	}
	rows, err := tx.query(ctx, q)
	if err != nil {
		return nil, err
	}
	var names, creates []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		names, creates = append(names, name), append(creates, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.exec(ctx, "DROP INDEX "+name); err != nil {
			return nil, err
		}
	}
	return creates, nil
}

// preparedRow is a validated project whose user and workspace ids may still need a lookup.
type preparedRow struct {
	p     *projectd.Project
	ext   string
	state string // the TextKing state it counts under
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
		rows[i] = preparedRow{p: p, ext: ext, state: db.keyOf(&projectd.Project{Ext: json.RawMessage(ext), Owner: p.Owner}).state}
	}
	return rows, nil
}

// loader inserts prepared rows in a transaction, resolving logins and workspace names
// and adding up what the rows add to project_counts.
type loader struct {
	tx          *Tx
	stmts       map[string]*sql.Stmt // the INSERTs of this load, prepared once for every batch
	explicitIDs bool                 // some rows came with ids of their own
	users       loginCache
	workspaces  workspaceCache
	counts      map[countKey]int
}

func newLoader(tx *Tx) *loader {
	return &loader{tx: tx, stmts: map[string]*sql.Stmt{}, users: loginCache{}, workspaces: workspaceCache{}, counts: map[countKey]int{}}
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

// flushCounts adds the counted rows to project_counts, bulkRows keys a statement, in key
// order so that concurrent loads on PostgreSQL take the row locks in the same order.
func (l *loader) flushCounts(ctx context.Context) error {
	keys := slices.SortedFunc(maps.Keys(l.counts), func(a, b countKey) int {
		return cmp.Or(cmp.Compare(a.owner, b.owner), strings.Compare(a.state, b.state))
	})
	for start := 0; start < len(keys); start += bulkRows {
		batch := keys[start:min(start+bulkRows, len(keys))]
		args := make([]any, 0, 3*len(batch))
		for _, key := range batch {
			args = append(args, key.owner, key.state, l.counts[key])
		}
		if _, err := l.tx.exec(ctx, `INSERT INTO project_counts (owner_id, state, n) VALUES `+
			rowsOf("(?, ?, ?)", len(batch))+`
			ON CONFLICT (owner_id, state) DO UPDATE SET n = project_counts.n + excluded.n`, args...); err != nil {
			return err
		}
	}
	clear(l.counts)
	return nil
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
	cols := "uid, name, description, status, owner_id, workspace_id, created_at, updated_at, created_by, updated_by, version, ext"
	marks := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	if withIDs {
		cols, marks = "id, "+cols, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	}
	for start := 0; start < len(rows); start += bulkRows {
		batch := rows[start:min(start+bulkRows, len(rows))]
		args := make([]any, 0, len(batch)*13)
		for _, r := range batch {
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
			l.counts[countKey{ids[0], r.state}]++
			if withIDs {
				args = append(args, p.ID)
			}
			args = append(args, p.UID, p.Name, p.Description, p.Status, ids[0], workspaceID,
				micros(p.CreatedAt), micros(p.UpdatedAt), ids[1], ids[2], p.Version, r.ext)
		}
		stmt, err := l.insertStmt(ctx, "INSERT INTO projects ("+cols+") VALUES "+rowsOf(marks, len(batch)))
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			if isUniqueViolation(err) {
				return projectd.Errorf(projectd.ECONFLICT, "a project of this import exists already (same id or uid)")
			}
			return err
		}
	}
	return nil
}

// syncProjectIDs moves PostgreSQL's project id blocks past the ids that rows brought, and
// makes this process reserve a new block (other processes find out when an insert fails).
func (l *loader) syncProjectIDs(ctx context.Context) error {
	if !l.explicitIDs || l.tx.db.dialect != postgresDialect {
		return nil
	}
	l.tx.db.forgetProjectIDs()
	_, err := l.tx.exec(ctx, "UPDATE id_blocks SET next = GREATEST(next, (SELECT MAX(id) + 1 FROM projects)) WHERE name = 'projects'")
	return err
}

// syncIdentity moves a PostgreSQL identity past ids that were inserted explicitly.
func (db *DB) syncIdentity(ctx context.Context, tx *Tx, table string) error {
	if db.dialect != postgresDialect {
		return nil // SQLite's rowids continue from the largest id by themselves
	}
	_, err := tx.exec(ctx, fmt.Sprintf(
		"SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), GREATEST((SELECT MAX(id) FROM %[1]s), 1))", table))
	return err
}

type loginCache map[string]int64

func (c loginCache) id(ctx context.Context, tx *Tx, login string) (int64, error) {
	if id, ok := c[login]; ok {
		return id, nil
	}
	var id int64
	err := tx.queryRow(ctx, "SELECT id FROM users WHERE login = ?", login).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, projectd.Invalid("login", "no user %s", login)
	} else if err != nil {
		return 0, err
	}
	c[login] = id
	return id, nil
}

type workspaceCache map[string]int64

func (c workspaceCache) id(ctx context.Context, tx *Tx, name string) (int64, error) {
	if id, ok := c[name]; ok {
		return id, nil
	}
	var id int64
	if err := tx.queryRow(ctx, "SELECT id FROM workspaces WHERE name = ?", name).Scan(&id); err != nil {
		return 0, projectd.Invalid("workspace", "no workspace %s", name)
	}
	c[name] = id
	return id, nil
}
