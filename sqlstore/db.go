// Package sqlstore is the projectd store on database/sql, in two flavours: embedded SQLite
// (github.com/mattn/go-sqlite3) and PostgreSQL and its distributed relatives (pgx/v5's
// pgxpool behind database/sql). Queries are written once with ? placeholders and rewritten
// per dialect; each dialect has its own embedded migrations.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"projectd"
)

//go:embed migrations
var migrations embed.FS

// DB is the store. It implements every service interface of the projectd package.
type DB struct {
	dialect *dialect
	write   *sql.DB // SQLite: one connection, so writers queue here and not on SQLITE_BUSY
	read    *sql.DB // SQLite: a pool of readers; PostgreSQL: the same pool as write
	pool    *pgxpool.Pool
	// cockroach is set on CockroachDB, which refuses schema changes after writes in a
	// transaction: its bulk loads keep their indexes.
	cockroach bool

	// MasterKey seals access key secrets at rest (32 bytes).
	MasterKey []byte
	// Ext are the namespaces of ext: checked on every write, indexed paths as columns.
	Ext *projectd.Extensions
	// Now is the clock; tests replace it.
	Now func() time.Time
	// TokenCacheTTL is how long a verified token is trusted without asking the database.
	TokenCacheTTL time.Duration

	projectIDBlock idBlock
	stmts          sync.Map // query text -> *sql.Stmt on the read pool
	nstmts         int
	mu             sync.Mutex
	tokens         tokenCache
	refs           refCache
}

// Open opens the store named by dsn ("sqlite:PATH" or "postgres://...") for the ext
// namespaces of ext, and migrates its schema to the newest version.
func Open(ctx context.Context, dsn string, ext *projectd.Extensions) (*DB, error) {
	db := &DB{Now: time.Now, TokenCacheTTL: 10 * time.Second, Ext: ext}
	db.tokens.entries = map[string]tokenEntry{}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if path == "" {
			return nil, fmt.Errorf("sqlstore: %q names no file", dsn)
		}
		if err := db.openSQLite(path); err != nil {
			return nil, err
		}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if err := db.openPostgres(ctx, dsn); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("sqlstore: unknown database %q: use sqlite:PATH or a postgres:// URL", dsn)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	// busy_timeout comes first so that setting WAL on a busy file waits instead of failing.
	params := "_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on&_cache_size=-65536"
	w, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&_txlock=immediate")
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
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&mode=ro")
	if err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.dialect, db.write, db.read = sqliteDialect, w, r
	return nil
}

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.AfterConnect = preferGenericPlans
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("sqlstore: connect to postgres: %w", err)
	}
	var version string
	if err := pool.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		pool.Close()
		return fmt.Errorf("sqlstore: %w", err)
	}
	db.cockroach = strings.Contains(version, "CockroachDB")
	sdb := stdlib.OpenDBFromPool(pool)
	db.dialect, db.write, db.read, db.pool = postgresDialect, sdb, sdb, pool
	return nil
}

// preferGenericPlans makes a connection run its prepared statements with generic plans.
// Left to choose, PostgreSQL planned a big owner's page afresh on every call, because its
// custom plans looked cheaper than the generic one: 0.8 ms a page, against 0.2 ms with the
// generic plan that is an index scan for every owner. Every statement of the store filters
// on ids and indexed columns, where one plan serves all values. A server without the
// setting (older CockroachDB) keeps its own choice.
func preferGenericPlans(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
	if isUnsupported(err) {
		return nil
	}
	return err
}

// isUnsupported reports whether the server refused a statement or setting that it does
// not have (CockroachDB and YugabyteDB lack some of PostgreSQL's): an unknown setting or
// value, a feature it does not support, or syntax it does not know.
func isUnsupported(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "42704", "22023", "0A000", "42601":
		return true
	}
	return false
}

func (db *DB) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.dialect == postgresDialect {
		// A lock table rather than advisory locks, which CockroachDB does not have.
		locker, err := lock.NewPostgresTableLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithLocker(locker))
	}
	p, err := goose.NewProvider(db.dialect.goose, db.write, fsys, opts...)
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// sql is the query builder of the store's dialect and ext namespaces.
func (db *DB) sql() builder { return builder{db.dialect, db.Ext} }

// Dialect names the flavour: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// dialect holds what differs between the SQL flavours.
type dialect struct {
	name        string
	goose       goose.Dialect
	dollarBinds bool   // $1, $2 ... instead of ?
	like        string // case-insensitive LIKE
	forUpdate   string // row lock on a SELECT; SQLite's single writer needs none
}

var sqliteDialect = &dialect{
	name:  "sqlite",
	goose: goose.DialectSQLite3,
	like:  "LIKE",
}

var postgresDialect = &dialect{
	name:        "postgres",
	goose:       goose.DialectPostgres,
	dollarBinds: true,
	like:        "ILIKE",
	forUpdate:   " FOR UPDATE",
}

// rebind rewrites ? placeholders for the dialect. Queries never hold ? in literals.
func (d *dialect) rebind(q string) string {
	if !d.dollarBinds || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		} else {
			b.WriteByte(q[i])
		}
	}
	return b.String()
}

// stmt returns a prepared statement on SQLite's read pool, prepared once per query text,
// or nil once 1,024 texts are kept: dynamic lists have few shapes, and past that a query
// runs unprepared rather than leave a statement open on every reader.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	if db.nstmts >= maxPreparedReads {
		return nil, nil
	}
	s, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	db.stmts.Store(query, s)
	db.nstmts++
	return s, nil
}

// maxPreparedReads bounds the statements stmt keeps; a variable for tests.
var maxPreparedReads = 1024

// rows is what a read iterates: database/sql's rows on SQLite, pgx's on PostgreSQL.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// query runs a read. On SQLite it uses the read pool with a statement prepared once. On
// PostgreSQL it goes to pgx directly, which keeps the prepared statements of each pooled
// connection (database/sql's would be prepared anew whenever pgxpool hands out a
// connection) and scans without database/sql's second conversion of every value.
func (db *DB) query(ctx context.Context, query string, args ...any) (rows, error) {
	if db.pool != nil {
		return db.pool.Query(ctx, db.dialect.rebind(query), args...)
	}
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	var r *sql.Rows
	if s != nil {
		r, err = s.QueryContext(ctx, args...)
	} else {
		r, err = db.read.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

// queryRow runs a read of one row; a missing row scans as sql.ErrNoRows on both engines.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) scanner {
	if db.pool != nil {
		return db.pool.QueryRow(ctx, db.dialect.rebind(query), args...)
	}
	if s, err := db.stmt(ctx, query); err == nil && s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	// Unprepared; a query that failed to prepare reports its error from here.
	return db.read.QueryRowContext(ctx, query, args...)
}

// Tx is a write transaction with the dialect's placeholders.
type Tx struct {
	*sql.Tx
	db *DB
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, tx.db.dialect.rebind(query), args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.QueryRowContext(ctx, tx.db.dialect.rebind(query), args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.QueryContext(ctx, tx.db.dialect.rebind(query), args...)
}

// inTx runs fn in a write transaction and commits it, retrying the whole of fn when the
// database reports a serialization failure (SQLSTATE 40001, as CockroachDB does under
// contention) or a deadlock.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := db.tryTx(ctx, fn)
		if err == nil || !retryable(err) || attempt >= 9 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
}

func (db *DB) tryTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.txOn(ctx, db.write, fn)
}

// txOn runs fn in a transaction begun on on (the write pool, or one of its connections
// that a bulk load has set up) and commits it.
func (db *DB) txOn(ctx context.Context, on interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, fn func(tx *Tx) error) error {
	sqlTx, err := on.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{Tx: sqlTx, db: db}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// errRetry asks inTx to run the transaction again, as after a serialization failure.
var errRetry = errors.New("sqlstore: concurrent change, retry")

func retryable(err error) bool {
	if errors.Is(err, errRetry) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}

// isUniqueViolation reports whether err is a unique constraint failure.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr sqlite3.Error
	if errors.As(err, &sqErr) {
		return sqErr.ExtendedCode == sqlite3.ErrConstraintUnique || sqErr.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	return false
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(n int64) time.Time { return time.UnixMicro(n).UTC() }

// now is the store's clock at microsecond precision, the precision it keeps.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }
