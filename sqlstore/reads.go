// Reads: prepared statements on SQLite's reader pool, pgx's own on PostgreSQL.

package sqlstore

import (
	"context"
	"database/sql"
)

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
