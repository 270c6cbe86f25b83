package sqlstore

import (
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// On PostgreSQL, project ids come from blocks that each process reserves in the id_blocks
// table, one UPDATE per block, instead of from a sequence that every insert of every
// replica would go through (on CockroachDB a known point of contention). A process hands
// out the ids of its block in order, so one replica's ids rise with creation time; several
// replicas' blocks interleave. The rest of a block is lost when the process stops, which
// leaves gaps. On SQLite the single writer takes the next rowid.

// projectIDBlock is how many ids one reservation takes for single creates.
const projectIDBlock = 100

// idBlock is the part of a reserved block that this process has not handed out yet.
type idBlock struct {
	mu        sync.Mutex
	next, end int64
}

// projectIDs returns the first of n new consecutive project ids, or 0 on SQLite, where
// the database assigns them.
func (db *DB) projectIDs(ctx context.Context, n int) (int64, error) {
	if !db.engine.blocksProjectIDs() {
		return 0, nil
	}
	if n > 1 { // a range of its own
		end, err := db.reserveIDs(ctx, n)
		return end - int64(n), err
	}
	b := &db.projectIDBlock
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == b.end {
		end, err := db.reserveIDs(ctx, projectIDBlock)
		if err != nil {
			return 0, err
		}
		b.next, b.end = end-projectIDBlock, end
	}
	b.next++
	return b.next - 1, nil
}

// reserveIDs takes the next n project ids of the shared counter, a write of its own.
func (db *DB) reserveIDs(ctx context.Context, n int) (end int64, err error) {
	err = db.onPrimary(ctx, func(ctx context.Context) (err error) {
		end, err = db.engine.reserveIDs(ctx, "projects", n)
		return err
	})
	return end, err
}

// forgetProjectIDs drops the rest of the current block, after ids were inserted that may
// fall in it (an import keeping its ids, here or in another process).
func (db *DB) forgetProjectIDs() {
	b := &db.projectIDBlock
	b.mu.Lock()
	b.next, b.end = 0, 0
	b.mu.Unlock()
}

// isProjectIDTaken reports whether an insert failed because its id was taken, which
// happens only when an import with explicit ids reached into this process's block.
func isProjectIDTaken(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "projects_pkey"
}

// withProjectIDs runs fn with the first of n new project ids (see projectIDs). If an
// import took one of them in the meantime, it forgets its block and runs fn again.
func (db *DB) withProjectIDs(ctx context.Context, n int, fn func(first int64) error) error {
	if n == 0 {
		return fn(0)
	}
	for attempt := 0; ; attempt++ {
		first, err := db.projectIDs(ctx, n)
		if err != nil {
			return err
		}
		err = fn(first)
		if !isProjectIDTaken(err) || attempt >= 2 {
			return err
		}
		db.forgetProjectIDs()
	}
}

// nullID is an id to insert: NULL for 0, so that SQLite assigns the next rowid.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
