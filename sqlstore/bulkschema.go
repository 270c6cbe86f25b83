// What a bulk load does to the schema and the journal: secondary indexes dropped and
// built again around a load into an empty table, and the rollback journal on SQLite.

package sqlstore

import (
	"context"
	"fmt"
	"runtime"
)

// buildIndexes runs CREATE INDEX statements on a table of about rows rows. SQLite sorts
// the keys of a big table's index fastest in small runs that fit the processor's caches,
// sorted and merged by worker threads on every core: 2.2× faster for 1,000,000 projects
// on two cores than one sort in the 64 MB cache, 1.4× for 200,000. Below
// sortInRunsFrom rows the one sort in the cache is as fast. The connection's settings
// are put back afterwards.
func (db *DB) buildIndexes(ctx context.Context, tx *Tx, creates []string, rows int) error {
	if len(creates) == 0 {
		return nil
	}
	if db.dialect == sqliteDialect && rows >= sortInRunsFrom {
		var cacheSize int
		if err := tx.queryRow(ctx, "PRAGMA cache_size").Scan(&cacheSize); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, fmt.Sprintf("PRAGMA threads = %d; PRAGMA cache_size = -2048", runtime.GOMAXPROCS(0))); err != nil {
			return err
		}
		defer tx.exec(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA threads = 0; PRAGMA cache_size = %d", cacheSize))
	}
	for _, create := range creates {
		if _, err := tx.exec(ctx, create); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	return nil
}

// bulkTx runs the one transaction of a bulk load and then refreshes the planner's
// statistics, so that it knows which indexes are selective (and, on PostgreSQL, marks
// pages all-visible so that counts can be answered from indexes alone).
//
// On SQLite, a load into an empty projects table runs with a rollback journal instead of
// the WAL: the new pages then go to the database file once, where the WAL would take every
// page of the load and copy it again at the checkpoint. The journal keeps the load
// all-or-nothing (synchronous=FULL while it is used); if another connection has the file
// open the mode cannot change, and the load goes through the WAL as any write does.
func (db *DB) bulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == postgresDialect {
		if err := db.tryTx(ctx, fn); err != nil {
			return err
		}
		_, err := db.write.ExecContext(ctx, "VACUUM (ANALYZE) projects")
		if isUnsupported(err) { // CockroachDB has no VACUUM; its ANALYZE collects statistics
			_, err = db.write.ExecContext(ctx, "ANALYZE projects")
		}
		return err
	}
	conn, err := db.write.Conn(ctx)
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
	if err := db.txOn(ctx, conn, fn); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "ANALYZE")
	return err
}

// dropIndexesIfEmpty drops the secondary indexes of an empty projects table and returns
// the statements that create them again; it keeps the primary key and unique indexes.
// On CockroachDB it drops nothing (see DB.cockroach).
func (db *DB) dropIndexesIfEmpty(ctx context.Context, tx *Tx) ([]string, error) {
	if db.cockroach {
		return nil, nil
	}
	var empty bool
	if err := tx.queryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM projects)").Scan(&empty); err != nil || !empty {
		return nil, err
	}
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'projects' AND sql IS NOT NULL"
	if db.dialect == postgresDialect {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'projects'
			AND indexname NOT IN (SELECT conname FROM pg_constraint)`
	}
	rows, err := tx.query(ctx, q)
	if err != nil {
		return nil, err
	}
	var names, creates []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		names, creates = append(names, name), append(creates, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.exec(ctx, "DROP INDEX "+name); err != nil {
			return nil, err
		}
	}
	return creates, nil
}
