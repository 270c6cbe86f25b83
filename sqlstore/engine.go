package sqlstore

import (
	"context"

	"github.com/pressly/goose/v3"

	"projectd"
)

// engine is everything that differs between SQLite and PostgreSQL (with its distributed
// relatives) beyond the text of the SQL, which dialect rewrites: how reads run, how a
// bulk load runs, who assigns project ids. Each difference is a method here, written once
// per engine in sqlite.go and postgres.go; no other file asks which engine it is on.
type engine interface {
	// query runs a read; queryRow a read of one row, whose missing row scans as
	// sql.ErrNoRows.
	query(ctx context.Context, query string, args ...any) (rows, error)
	queryRow(ctx context.Context, query string, args ...any) scanner
	// pageAndCount sends a page and the count of what it filters in one round trip and
	// returns the page's rows and how to read the count after them; ok is false on an
	// engine that cannot, where the caller runs the two one after the other.
	pageAndCount(ctx context.Context, page string, pageArgs []any, count string, countArgs []any) (r rows, total func() (int64, error), ok bool, err error)
	// migrationOptions are the options of goose's provider.
	migrationOptions() ([]goose.ProviderOption, error)
	// bulkTx runs the one transaction of a bulk load, then refreshes the planner's
	// statistics.
	bulkTx(ctx context.Context, fn func(tx *Tx) error) error
	// rebuiltSchema is the query that lists, for every secondary index of projects (and
	// on PostgreSQL every foreign key), the statement that drops it and the one that
	// makes it again: what a load into an empty table drops and makes again at its end.
	// "" keeps them all live.
	rebuiltSchema() string
	// beforeIndexBuild tunes tx for building the indexes of a table of rows rows and
	// returns how to put it back.
	beforeIndexBuild(ctx context.Context, tx *Tx, rows int) (restore func(), err error)
	// blocksProjectIDs reports whether the store hands out project ids from reserved
	// blocks (ids.go) rather than the database.
	blocksProjectIDs() bool
	// syncIdentity moves a table's identity past ids that were inserted explicitly.
	syncIdentity(ctx context.Context, tx *Tx, table string) error
	// reserveIDs takes the next size ids of table's block counter and returns its new end.
	reserveIDs(ctx context.Context, table string, size int) (int64, error)
	// copyProjects writes rows of columns into projects in tx faster than INSERTs can, if
	// the engine has a way (COPY); ok is false when it has none.
	copyProjects(ctx context.Context, tx *Tx, columns []string, rows [][]any) (ok bool, err error)
	// dataVersion names the state of the database that reads on ctx see: it changes
	// whenever a write commits to it, by any process, and not otherwise (the page
	// cache's key). It is read after the call began; requests that want it at once
	// share one ask (versionGate).
	dataVersion(ctx context.Context) (string, error)
	// reading runs read, a read for user with no effect beyond its result, with its
	// queries on a server that has every write of user: a replica or the primary
	// (replicas.go), tried again elsewhere if a replica fails under it.
	reading(ctx context.Context, user int64, read func(context.Context) error) error
	// writing readies ctx for a write transaction, or refuses it at once (EUNAVAILABLE)
	// while the server that takes writes is known to be down; release ends it.
	writing(ctx context.Context) (bound context.Context, release func(), err error)
	// afterCommit learns that a write of user (0: none) committed, so that user's reads
	// find it.
	afterCommit(ctx context.Context, user int64)
	// useReplicas sends routed reads to read replicas; replicaStats reports them.
	useReplicas(ctx context.Context, opts ReplicaOptions) error
	replicaStats() []projectd.ReplicaStats
	// beforeCommit is the last statement of every write transaction, for dataVersion.
	beforeCommit(ctx context.Context, tx *Tx) error
	// pools reports the state of every connection pool.
	pools() []projectd.PoolStats
	close()
}
