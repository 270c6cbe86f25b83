package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// BackupSummary is what a backup holds, read back from the copy itself.
type BackupSummary struct {
	Users, Workspaces, Projects int64
}

// Backup writes a consistent copy of a live SQLite store to path, which must not exist,
// while writers go on: VACUUM INTO reads the store in one read transaction on a reader
// connection, so it sees every write committed before it began and none after, and blocks
// no writer. The copy is created 0600, as the store is. PostgreSQL has pg_dump for this.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect.name != "sqlite" {
		return errors.New("sqlstore: backup copies SQLite stores; for PostgreSQL use pg_dump or projectd export")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // VACUUM INTO accepts an empty file
	if err != nil {
		return fmt.Errorf("sqlstore: backup: %w", err)
	}
	f.Close()
	if _, err := db.read.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("sqlstore: backup: %w", err)
	}
	return nil
}

// VerifyBackup opens the SQLite file at path read-only, runs SQLite's integrity check on
// it and counts what it holds.
func VerifyBackup(ctx context.Context, path string) (BackupSummary, error) {
	var s BackupSummary
	if _, err := os.Stat(path); err != nil {
		return s, fmt.Errorf("sqlstore: verify: %w", err)
	}
	c, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return s, fmt.Errorf("sqlstore: verify %s: %w", path, err)
	}
	defer c.Close()
	var check string
	if err := c.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		return s, fmt.Errorf("sqlstore: verify %s: %w", path, err)
	}
	if check != "ok" {
		return s, fmt.Errorf("sqlstore: verify %s: integrity check: %s", path, check)
	}
	err = c.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM workspaces), (SELECT COUNT(*) FROM projects)").
		Scan(&s.Users, &s.Workspaces, &s.Projects)
	if err != nil {
		return s, fmt.Errorf("sqlstore: verify %s: not a projectd store: %w", path, err)
	}
	return s, nil
}
