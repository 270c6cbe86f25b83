// Reads: prepared statements on SQLite's reader pool, pgx's own on PostgreSQL.

package sqlstore

import (
	"context"
	"database/sql"

	"projectd"
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
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	return db.engine.query(ctx, query, args...)
}

// queryRow runs a read of one row; a missing row scans as sql.ErrNoRows on both engines.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) scanner {
	if err := checkArgs(args); err != nil {
		return errRow{err}
	}
	return db.engine.queryRow(ctx, query, args...)
}

// reading runs read — reads of a's with no effect beyond their result — on the server
// the engine picks for a: a replica that has a's own writes, or the primary.
func (db *DB) reading(ctx context.Context, a *projectd.Auth, read func(ctx context.Context) error) error {
	return db.engine.reading(ctx, a.User.ID, read)
}

// errBadText answers a statement whose text arguments no engine could hold the same way
// (PostgreSQL refuses NUL characters and invalid UTF-8 with an error; SQLite would keep
// them): the boundaries name the field first, and this keeps any they miss a 400.
var errBadText = projectd.Invalid("text", "text must be valid UTF-8 without NUL characters")

// checkArgs refuses, before any engine sees them, text arguments the store cannot hold.
func checkArgs(args []any) error {
	for _, a := range args {
		if s, ok := a.(string); ok && projectd.CheckText("", s) != nil {
			return errBadText
		}
	}
	return nil
}

// errRow is a row whose read failed before it was sent.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
