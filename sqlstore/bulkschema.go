// What a bulk load does to the schema: secondary indexes dropped and built again around a
// load into an empty table. The engine runs the load's transaction (engine.bulkTx).

package sqlstore

import (
	"context"
	"fmt"
)

// buildIndexes runs CREATE INDEX statements on a table of about rows rows, with the
// connection tuned by the engine for it and put back afterwards.
func (db *DB) buildIndexes(ctx context.Context, tx *Tx, creates []string, rows int) error {
	if len(creates) == 0 {
		return nil
	}
	restore, err := db.engine.beforeIndexBuild(ctx, tx, rows)
	if err != nil {
		return err
	}
	defer restore()
	for _, create := range creates {
		if _, err := tx.exec(ctx, create); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	return nil
}

// dropIndexesIfEmpty drops the secondary indexes of an empty projects table and returns
// the statements that create them again; it keeps the primary key and unique indexes.
// An engine that keeps indexes live during a load (CockroachDB) drops nothing.
func (db *DB) dropIndexesIfEmpty(ctx context.Context, tx *Tx) ([]string, error) {
	q := db.engine.secondaryIndexes()
	if q == "" {
		return nil, nil
	}
	var empty bool
	if err := tx.queryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM projects)").Scan(&empty); err != nil || !empty {
		return nil, err
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
