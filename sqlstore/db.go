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
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"projectd"
)

//go:embed migrations
var migrations embed.FS

// DB is the store. It implements every service interface of the projectd package.
type DB struct {
	dialect *dialect
	write   *sql.DB // SQLite: one connection, so writers queue here and not on SQLITE_BUSY
	read    *sql.DB // SQLite: a pool of readers; PostgreSQL: the same pool as write
	engine  engine

	// MasterKey seals access key secrets at rest (32 bytes).
	MasterKey []byte
	// Ext are the namespaces of ext: checked on every write, indexed paths as columns.
	Ext *projectd.Extensions
	// Now is the clock; tests replace it.
	Now func() time.Time
	// TokenCacheTTL is how long a verified token is trusted without asking the database:
	// a token revoked on another replica stops working there within it.
	TokenCacheTTL time.Duration
	// Observe, when set, learns how long each operation took, by kind (projectd.OpPage...).
	Observe projectd.StoreObserver

	schemaVersion  int64 // the newest migration this binary holds
	projectIDBlock idBlock
	tokens         tokenCache
	refs           refCache
	pages          pageCache
}

// Open opens the store named by dsn ("sqlite:PATH" or "postgres://...") for the ext
// namespaces of ext, and migrates its schema to the newest version.
func Open(ctx context.Context, dsn string, ext *projectd.Extensions) (*DB, error) {
	db := &DB{Now: time.Now, TokenCacheTTL: time.Second, Ext: ext}
	db.tokens.entries = map[string]tokenEntry{}
	db.pages.budget = DefaultPageCacheSize
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

func (db *DB) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return err
	}
	opts, err := db.engine.migrationOptions()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.dialect.goose, db.write, fsys, append(opts, goose.WithDisableGlobalRegistry(true))...)
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	_, db.schemaVersion, err = p.GetVersions(ctx)
	return err
}

// Close closes the database.
func (db *DB) Close() error {
	db.engine.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping reports whether the database answers and holds the schema this binary was built
// for: a store restored from an older copy under a running server has migrations pending.
// It reads goose's table on a reader, so a busy writer does not make the store look down,
// and while a PostgreSQL primary is down on a replica: serve is ready for the reads it
// can still answer.
func (db *DB) Ping(ctx context.Context) error {
	var version int64
	if err := db.queryRow(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&version); err != nil {
		return err
	}
	if version < db.schemaVersion {
		return fmt.Errorf("%w: the schema is at version %d, this binary needs %d (restart serve to migrate)", projectd.ErrMigrationsPending, version, db.schemaVersion)
	}
	return nil
}

// sql is the query builder of the store's dialect and ext namespaces.
func (db *DB) sql() builder { return builder{db.dialect, db.Ext} }

// Dialect names the flavour: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(n int64) time.Time { return time.UnixMicro(n).UTC() }

// now is the store's clock at microsecond precision, the precision it keeps.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }
