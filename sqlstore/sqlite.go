// The SQLite engine: embedded, one writer connection (writers queue in the process, not
// on SQLITE_BUSY) and a pool of read-only readers, statements prepared once per text.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/pressly/goose/v3"

	"projectd"
)

// openSQLite opens the file at path, created mode 0600 when new: one writer connection
// and a pool of readers.
func (db *DB) openSQLite(path string) error {
	// A new file is its owner's alone; SQLite gives the WAL and shared-memory files the
	// database file's permissions.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("sqlstore: create %s: %w", path, err)
	}
	// busy_timeout comes first so that setting WAL on a busy file waits instead of failing.
	params := "_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on"
	w, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&_txlock=immediate&_cache_size=-65536")
	if err != nil {
		return fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// Refresh the planner's statistics where they are missing or stale (cheap; SQLite
	// decides which tables need it).
	if _, err := w.Exec("PRAGMA optimize=0x10002"); err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	// Readers keep 8 MiB of pages each and leave the rest to the kernel's page cache,
	// shared by all of them and not the process's memory: serving 1,000,000 projects to
	// requests rotating over 1,000 owners peaked at 88–115 MB instead of 170–184 (64 MiB
	// each) at 97–99% of the requests/s; 2 MiB peaked at 60 MB but lost 6–10% where an
	// owner's rows are spread over the file (docs/performance.md). The writer keeps
	// 64 MiB for the indexes it maintains.
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&mode=ro&_cache_size=-8192")
	if err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	versions, err := openDataVersion(path, params)
	if err != nil {
		w.Close()
		r.Close()
		return err
	}
	db.dialect, db.write, db.read = sqliteDialect, w, r
	db.engine = &sqliteEngine{db: db, versions: versions}
	return nil
}

// openDataVersion opens the connection of PRAGMA data_version, whose number changes
// whenever another connection — this process's writer, or any other process's — has
// committed since its last call on that same connection. It connects on first use, so
// that a bulk load into a new store, which needs the file to itself, is not kept from
// its rollback journal.
func openDataVersion(path, params string) (*sql.DB, error) {
	v, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&mode=ro&_cache_size=-64")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	v.SetMaxOpenConns(1)
	v.SetMaxIdleConns(1)
	v.SetConnMaxIdleTime(0)
	return v, nil
}

// sqliteEngine is the engine of an SQLite store.
type sqliteEngine struct {
	db       *DB
	versions *sql.DB                  // one connection, for PRAGMA data_version alone
	version  atomic.Pointer[sql.Stmt] // PRAGMA data_version on it, once prepared
	gate     versionGate              // asks for data_version, shared by requests at once
	stmts    sync.Map                 // query text -> *sql.Stmt on the read pool
	nstmts   int
	mu       sync.Mutex
}

// stmt returns a prepared statement on SQLite's read pool, prepared once per query text,
// or nil once 1,024 texts are kept: dynamic lists have few shapes, and past that a query
// runs unprepared rather than leave a statement open on every reader.
func (e *sqliteEngine) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := e.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	if e.nstmts >= maxPreparedReads {
		return nil, nil
	}
	s, err := e.db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	e.stmts.Store(query, s)
	e.nstmts++
	return s, nil
}

func (e *sqliteEngine) query(ctx context.Context, query string, args ...any) (rows, error) {
	s, err := e.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	var r *sql.Rows
	if s != nil {
		r, err = s.QueryContext(ctx, args...)
	} else {
		r, err = e.db.read.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (e *sqliteEngine) queryRow(ctx context.Context, query string, args ...any) scanner {
	if s, err := e.stmt(ctx, query); err == nil && s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	// Unprepared; a query that failed to prepare reports its error from here.
	return e.db.read.QueryRowContext(ctx, query, args...)
}

// pageAndCount: SQLite answers in the process, so one query after the other costs no
// round trip.
func (e *sqliteEngine) pageAndCount(context.Context, string, []any, string, []any) (rows, func() (int64, error), bool, error) {
	return nil, nil, false, nil
}

func (e *sqliteEngine) migrationOptions() ([]goose.ProviderOption, error) { return nil, nil }

// bulkTx: a load into an empty projects table runs with a rollback journal instead of
// the WAL: the new pages then go to the database file once, where the WAL would take
// every page of the load and copy it again at the checkpoint. The journal keeps the load
// all-or-nothing (synchronous=FULL while it is used); if another connection has the file
// open the mode cannot change, and the load goes through the WAL as any write does.
func (e *sqliteEngine) bulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := e.db.write.Conn(ctx)
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
	if err := e.db.txOn(ctx, conn, fn); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "ANALYZE")
	return err
}

func (e *sqliteEngine) rebuiltSchema() string {
	return "SELECT 'DROP INDEX ' || name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'projects' AND sql IS NOT NULL"
}

// beforeIndexBuild: SQLite sorts the keys of a big table's index fastest in small runs
// that fit the processor's caches, sorted and merged by worker threads on every core:
// 2.2x faster for 1,000,000 projects on two cores than one sort in the 64 MB cache, 1.4x
// for 200,000. Below sortInRunsFrom rows the one sort in the cache is as fast.
func (e *sqliteEngine) beforeIndexBuild(ctx context.Context, tx *Tx, rows int) (func(), error) {
	if rows < sortInRunsFrom {
		return func() {}, nil
	}
	var cacheSize int
	if err := tx.queryRow(ctx, "PRAGMA cache_size").Scan(&cacheSize); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, fmt.Sprintf("PRAGMA threads = %d; PRAGMA cache_size = -2048", runtime.GOMAXPROCS(0))); err != nil {
		return nil, err
	}
	return func() {
		tx.exec(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA threads = 0; PRAGMA cache_size = %d", cacheSize))
	}, nil
}

// blocksProjectIDs: the single writer takes the next rowid.
func (e *sqliteEngine) blocksProjectIDs() bool { return false }

// syncIdentity: SQLite's rowids continue from the largest id by themselves.
func (e *sqliteEngine) syncIdentity(context.Context, *Tx, string) error { return nil }

func (e *sqliteEngine) reserveIDs(context.Context, string, int) (int64, error) {
	return 0, errors.New("sqlstore: SQLite assigns ids itself")
}

// copyProjects: SQLite's prepared multi-row INSERTs are its fastest way.
func (e *sqliteEngine) copyProjects(context.Context, *Tx, []string, [][]any) (bool, error) {
	return false, nil
}

// pools: the reader pool and the one writer connection, from database/sql.
func (e *sqliteEngine) pools() []projectd.PoolStats {
	return []projectd.PoolStats{sqlPoolStats("reader", e.db.read.Stats()), sqlPoolStats("writer", e.db.write.Stats())}
}

func sqlPoolStats(name string, s sql.DBStats) projectd.PoolStats {
	return projectd.PoolStats{Pool: name, MaxOpen: s.MaxOpenConnections, Open: s.OpenConnections, InUse: s.InUse, Waits: s.WaitCount, WaitTime: s.WaitDuration}
}

func (e *sqliteEngine) dataVersion(ctx context.Context) (string, error) {
	return e.gate.version(ctx, e.readVersion)
}

func (e *sqliteEngine) readVersion(ctx context.Context) (string, error) {
	stmt := e.version.Load()
	if stmt == nil {
		e.mu.Lock()
		if stmt = e.version.Load(); stmt == nil {
			var err error
			if stmt, err = e.versions.PrepareContext(ctx, "PRAGMA data_version"); err != nil {
				e.mu.Unlock()
				return "", err
			}
			e.version.Store(stmt)
		}
		e.mu.Unlock()
	}
	var v int64
	if err := stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return "", err
	}
	return strconv.FormatInt(v, 10), nil
}

// reading: one file, no replicas.
func (e *sqliteEngine) reading(ctx context.Context, _ int64, read func(context.Context) error) error {
	return read(ctx)
}

func (e *sqliteEngine) writing(ctx context.Context) (context.Context, func(), error) {
	return ctx, func() {}, nil
}

func (e *sqliteEngine) afterCommit(context.Context, int64) {}

func (e *sqliteEngine) useReplicas(context.Context, ReplicaOptions) error {
	return errors.New("sqlstore: read replicas need PostgreSQL; the SQLite store is one file")
}

func (e *sqliteEngine) replicaStats() []projectd.ReplicaStats { return nil }

// beforeCommit: data_version needs nothing of a write.
func (e *sqliteEngine) beforeCommit(context.Context, *Tx) error { return nil }

func (e *sqliteEngine) close() {
	e.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	e.versions.Close()
}
