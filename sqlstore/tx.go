// Transactions: one runner for every write, retried on serialization failures.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"projectd"
)

// Tx is a write transaction with the dialect's placeholders.
type Tx struct {
	*sql.Tx
	db *DB
	// conn is the connection a bulk load began it on, whose driver connection the engine
	// may use in the same transaction (COPY on PostgreSQL); nil for other writes.
	conn *sql.Conn
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	return tx.ExecContext(ctx, tx.db.dialect.rebind(query), args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) scanner {
	if err := checkArgs(args); err != nil {
		return errRow{err}
	}
	return tx.QueryRowContext(ctx, tx.db.dialect.rebind(query), args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	return tx.QueryContext(ctx, tx.db.dialect.rebind(query), args...)
}

// inTx runs fn in a write transaction and commits it, retrying the whole of fn when the
// database reports a serialization failure (SQLSTATE 40001, as CockroachDB does under
// contention) or a deadlock.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	defer db.timed(projectd.OpWrite)()
	return db.writeTx(ctx, fn)
}

// inBulkTx is inTx for an import, timed as one bulk operation rather than as a write.
func (db *DB) inBulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	defer db.timed(projectd.OpBulk)()
	return db.writeTx(ctx, fn)
}

// writeTx runs fn as a write on the server that takes writes (onPrimary), and once it
// has committed tells the engine whose write it was (read-your-writes on replicas).
func (db *DB) writeTx(ctx context.Context, fn func(tx *Tx) error) error {
	err := db.onPrimary(ctx, func(ctx context.Context) error { return db.retryTx(ctx, fn) })
	if err == nil {
		db.engine.afterCommit(ctx, callerID(ctx))
	}
	return err
}

// onPrimary runs do, which writes, bound to the server that takes writes
// (engine.writing): a server that is down, or goes down under it, is EUNAVAILABLE, a 503
// with Retry-After.
func (db *DB) onPrimary(ctx context.Context, do func(ctx context.Context) error) error {
	bound, release, err := db.engine.writing(ctx)
	if err != nil {
		return err
	}
	err = do(bound)
	down := context.Cause(bound) == errServerDown
	release()
	if err != nil && down && ctx.Err() == nil {
		return errUnavailable()
	}
	return unavailableIf(ctx, err)
}

// callerID is the id of the authenticated user of ctx, 0 for none (commands).
func callerID(ctx context.Context) int64 {
	if a := projectd.AuthFromContext(ctx); a != nil && a.User != nil {
		return a.User.ID
	}
	return 0
}

func (db *DB) retryTx(ctx context.Context, fn func(tx *Tx) error) error {
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
	tx.conn, _ = on.(*sql.Conn)
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := db.engine.beforeCommit(ctx, tx); err != nil {
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
