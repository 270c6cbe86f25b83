// The PostgreSQL engine, for PostgreSQL and its distributed relatives: reads straight
// through pgx, transactions through database/sql on the same pool.

package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"projectd"
)

// openPostgres connects a pgx pool to dsn, with database/sql over the same pool for
// transactions.
func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	pool, _, err := connectPool(ctx, dsn)
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	var version string
	if err := pool.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		pool.Close()
		return fmt.Errorf("sqlstore: %w", err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	db.dialect, db.write, db.read = postgresDialect, sdb, sdb
	db.engine = &postgresEngine{db: db, primary: newServer("primary", pool, true), cockroach: strings.Contains(version, "CockroachDB")}
	return nil
}

// connectTimeout bounds a new connection when the URL sets none: a server that does not
// answer fails a request in seconds rather than when TCP gives up.
const connectTimeout = 3 * time.Second

// connectPool opens a pool to a server (or to the first of a multi-host URL's servers that
// fits its target_session_attrs) and checks that it answers; name is its host:port.
func connectPool(ctx context.Context, dsn string) (*pgxpool.Pool, string, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, "", err
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	cfg.AfterConnect = preferGenericPlans
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, "", err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, "", fmt.Errorf("connect to postgres: %w", err)
	}
	return pool, net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))), nil
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

// postgresEngine is the engine of a PostgreSQL store.
type postgresEngine struct {
	db      *DB
	primary *server
	// replicas, when set, take the routed reads (replicas.go).
	replicas *replicaSet
	// cockroach is set on CockroachDB, which refuses schema changes after writes in a
	// transaction: its bulk loads keep their indexes.
	cockroach bool
}

// serverFor is the server a read on ctx goes to: the one reading bound it to, else the
// primary (or, while the primary is down, a replica: replicaSet.fallback).
func (e *postgresEngine) serverFor(ctx context.Context) *server {
	if s, ok := ctx.Value(serverKey{}).(*server); ok {
		return s
	}
	if e.replicas != nil {
		return e.replicas.fallback()
	}
	return e.primary
}

// query and queryRow report a server that is down as EUNAVAILABLE (faults.go).
func (e *postgresEngine) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := e.serverFor(ctx).pool.Query(ctx, e.db.dialect.rebind(query), args...)
	if err != nil {
		return nil, unavailableIf(ctx, err)
	}
	return faultRows{r, ctx}, nil
}

func (e *postgresEngine) queryRow(ctx context.Context, query string, args ...any) scanner {
	return faultRow{e.serverFor(ctx).pool.QueryRow(ctx, e.db.dialect.rebind(query), args...), ctx}
}

// reading: on the replicas' choice of server when there are replicas (replicas.go).
func (e *postgresEngine) reading(ctx context.Context, user int64, read func(context.Context) error) error {
	if e.replicas == nil {
		return read(ctx)
	}
	return e.replicas.reading(ctx, user, read)
}

func (e *postgresEngine) writing(ctx context.Context) (context.Context, func(), error) {
	if e.replicas == nil {
		return ctx, func() {}, nil
	}
	return e.replicas.writing(ctx)
}

func (e *postgresEngine) afterCommit(ctx context.Context, user int64) {
	if e.replicas != nil && user != 0 {
		e.replicas.wrote(ctx, user)
	}
}

// pageAndCount sends both queries in one batch: one round trip.
func (e *postgresEngine) pageAndCount(ctx context.Context, page string, pageArgs []any, count string, countArgs []any) (rows, func() (int64, error), bool, error) {
	batch := &pgx.Batch{}
	batch.Queue(e.db.dialect.rebind(page), pageArgs...)
	batch.Queue(e.db.dialect.rebind(count), countArgs...)
	results := e.serverFor(ctx).pool.SendBatch(ctx, batch)
	r, err := results.Query()
	if err != nil {
		results.Close()
		return nil, nil, true, unavailableIf(ctx, err)
	}
	total := func() (n int64, err error) {
		defer results.Close() // the batch's connection, before the page's fill may need one
		return n, unavailableIf(ctx, results.QueryRow().Scan(&n))
	}
	return faultRows{r, ctx}, total, true, nil
}

// migrationOptions: a lock table rather than advisory locks, which CockroachDB does not
// have.
func (e *postgresEngine) migrationOptions() ([]goose.ProviderOption, error) {
	locker, err := lock.NewPostgresTableLocker()
	if err != nil {
		return nil, err
	}
	return []goose.ProviderOption{goose.WithLocker(locker)}, nil
}

// bulkTx runs the load, then VACUUM ANALYZE marks the projects' pages all-visible (row
// counts answer from indexes alone) and refreshes the planner's statistics of every
// table a load writes or a page joins, so that no plan after it runs blind.
func (e *postgresEngine) bulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := e.db.write.Conn(ctx) // a connection of its own, for COPY in the transaction
	if err != nil {
		return err
	}
	err = e.db.txOn(ctx, conn, fn)
	conn.Close()
	if err != nil {
		return err
	}
	_, err = e.db.write.ExecContext(ctx, "VACUUM (ANALYZE) projects")
	if isUnsupported(err) { // CockroachDB has no VACUUM; its ANALYZE collects statistics
		_, err = e.db.write.ExecContext(ctx, "ANALYZE projects")
	}
	analyzed := []string{"users", "workspaces", "workspace_members"}
	for _, table := range counterTables {
		analyzed = append(analyzed, table.name)
	}
	for _, table := range analyzed {
		if err == nil {
			_, err = e.db.write.ExecContext(ctx, "ANALYZE "+table)
		}
	}
	return err
}

// rebuiltSchema: the secondary indexes, then the foreign keys, whose checks are row
// triggers, four lookups a row: made again at the end, a key is checked by one join.
func (e *postgresEngine) rebuiltSchema() string {
	if e.cockroach {
		return ""
	}
	return `SELECT 'DROP INDEX ' || quote_ident(indexname), indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'projects' AND indexname NOT IN (SELECT conname FROM pg_constraint)
		UNION ALL
		SELECT 'ALTER TABLE projects DROP CONSTRAINT ' || quote_ident(conname),
			'ALTER TABLE projects ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE conrelid = 'projects'::regclass AND contype = 'f'`
}

// beforeIndexBuild gives a big table's index builds room to sort in memory, for this
// transaction only.
func (e *postgresEngine) beforeIndexBuild(ctx context.Context, tx *Tx, rows int) (func(), error) {
	if rows >= 100_000 && !e.cockroach {
		if _, err := tx.exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return nil, err
		}
	}
	return func() {}, nil
}

func (e *postgresEngine) blocksProjectIDs() bool { return true }

func (e *postgresEngine) syncIdentity(ctx context.Context, tx *Tx, table string) error {
	_, err := tx.exec(ctx, fmt.Sprintf(
		"SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), GREATEST((SELECT MAX(id) FROM %[1]s), 1))", table))
	return err
}

// reserveIDs takes size ids of table's blocks and returns the end of the range (exclusive).
// It is a transaction of its own, so that a block is never held by a longer one.
func (e *postgresEngine) reserveIDs(ctx context.Context, table string, size int) (int64, error) {
	for attempt := 0; ; attempt++ {
		var end int64
		err := e.primary.pool.QueryRow(ctx, "UPDATE id_blocks SET next = next + $1 WHERE name = $2 RETURNING next", size, table).Scan(&end)
		if err == nil || !retryable(err) || attempt >= 9 {
			return end, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
}

// copyProjects sends the rows with COPY on the bulk load's own connection, inside its
// transaction (CockroachDB's COPY is not transactional in the same way: it keeps INSERTs).
func (e *postgresEngine) copyProjects(ctx context.Context, tx *Tx, columns []string, rows [][]any) (bool, error) {
	if tx.conn == nil || e.cockroach {
		return false, nil
	}
	return true, tx.conn.Raw(func(driverConn any) error {
		_, err := driverConn.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"projects"}, columns, pgx.CopyFromRows(rows))
		return err
	})
}

// pools: pgxpool's, which database/sql's pool over it only borrows from, and each
// replica's ("replica host:port").
func (e *postgresEngine) pools() []projectd.PoolStats {
	servers := []*server{e.primary}
	if e.replicas != nil {
		servers = append(servers, e.replicas.replicas...)
	}
	var out []projectd.PoolStats
	for _, srv := range servers {
		s := srv.pool.Stat()
		name := "pgxpool"
		if !srv.primary {
			name = "replica " + srv.name
		}
		out = append(out, projectd.PoolStats{Pool: name, MaxOpen: int(s.MaxConns()), Open: int(s.TotalConns()), InUse: int(s.AcquiredConns()),
			Waits: s.EmptyAcquireCount(), WaitTime: s.EmptyAcquireWaitTime()})
	}
	return out
}

// dataVersion is the sum of store_versions, which beforeCommit moves in every write
// transaction: a sum read after a commit differs from every sum read before it. It is
// the version of the server the read goes to — a replica replays the same sums in the
// same order — asked once for the requests that want it at once (versionGate).
func (e *postgresEngine) dataVersion(ctx context.Context) (string, error) {
	srv := e.serverFor(ctx)
	return srv.versions.version(ctx, func(ctx context.Context) (string, error) {
		var v int64
		err := srv.pool.QueryRow(ctx, "SELECT sum(n) FROM store_versions").Scan(&v)
		return strconv.FormatInt(v, 10), err
	})
}

// beforeCommit adds one to a random row of store_versions.
func (e *postgresEngine) beforeCommit(ctx context.Context, tx *Tx) error {
	_, err := tx.exec(ctx, "UPDATE store_versions SET n = n + 1 WHERE shard = ?", rand.IntN(16))
	return err
}

func (e *postgresEngine) close() {
	if e.replicas != nil {
		e.replicas.close()
	}
	e.primary.pool.Close()
}
