// Reads: prepared statements on SQLite's reader pool, pgx's own on PostgreSQL.

package sqlstore

import (
	"context"
	"database/sql"
)

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

// query runs a read on the engine: on SQLite on the read pool with a statement prepared
// once; on PostgreSQL straight through pgx, which keeps the prepared statements of each
// pooled connection and scans without database/sql's second conversion of every value.
func (db *DB) query(ctx context.Context, query string, args ...any) (rows, error) {
	return db.engine.query(ctx, query, args...)
}

// queryRow runs a read of one row; a missing row scans as sql.ErrNoRows on both engines.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) scanner {
	return db.engine.queryRow(ctx, query, args...)
}
