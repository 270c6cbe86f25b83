// What a bulk load does to the schema: secondary indexes (and, on PostgreSQL, foreign keys)
// dropped and made again around a load into an empty table. The engine runs the load's
// transaction (engine.bulkTx).

package sqlstore

import (
	"context"
	"fmt"
)

// buildIndexes runs the statements that make the dropped indexes and keys again, on a
// table of about rows rows, with the connection tuned by the engine for it and put back
// afterwards.
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

// dropIndexesIfEmpty drops what engine.rebuiltSchema lists of an empty projects table and
// returns the statements that make it again; it keeps the primary key and unique indexes.
// An engine that keeps indexes live during a load (CockroachDB) drops nothing.
func (db *DB) dropIndexesIfEmpty(ctx context.Context, tx *Tx) ([]string, error) {
	q := db.engine.rebuiltSchema()
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
	var drops, creates []string
	for rows.Next() {
		var drop, create string
		if err := rows.Scan(&drop, &create); err != nil {
			rows.Close()
			return nil, err
		}
		drops, creates = append(drops, drop), append(creates, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, drop := range drops {
		if _, err := tx.exec(ctx, drop); err != nil {
			return nil, err
		}
	}
	return creates, nil
}
