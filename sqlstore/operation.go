package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"projectd"
)

// ArchiveProject archives a project the caller may change, recording the operation in the
// same transaction.
func (db *DB) ArchiveProject(ctx context.Context, ref string) (*projectd.Operation, error) {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return nil, err
	}
	var op *projectd.Operation
	err = db.inTx(ctx, func(tx *Tx) error {
		p, err := db.findForWrite(ctx, tx, a, ref, "")
		if err != nil {
			return err
		}
		if p.Status == projectd.StatusArchived {
			return projectd.Errorf(projectd.ECONFLICT, "project %s is archived already", ref)
		}
		now := db.now()
		res, err := tx.exec(ctx, `UPDATE projects SET status = ?, updated_at = ?, updated_by = ?, version = version + 1
			WHERE id = ? AND version = ?`, projectd.StatusArchived, micros(now), a.User.ID, p.ID, p.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errRetry
		}
		op = &projectd.Operation{ID: uuid.Must(uuid.NewV7()).String(), Type: projectd.OperationProjectArchive,
			Status: projectd.OperationSuccess, ProjectID: p.ID, Submitted: now, Started: now, Finished: now}
		_, err = tx.exec(ctx, `INSERT INTO operations (id, type, status, user_id, project_id, submitted_at, started_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, op.ID, op.Type, op.Status, a.User.ID, op.ProjectID, micros(now), micros(now), micros(now))
		return err
	})
	return op, err
}

// FindOperation returns an operation the caller submitted (any, for admins).
func (db *DB) FindOperation(ctx context.Context, id string) (*projectd.Operation, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	q := "SELECT id, type, status, project_id, submitted_at, started_at, finished_at FROM operations WHERE id = ?"
	args := []any{id}
	if !a.User.IsAdmin() {
		q += " AND user_id = ?"
		args = append(args, a.User.ID)
	}
	var op projectd.Operation
	var submitted, started, finished int64
	err = db.queryRow(ctx, q, args...).Scan(&op.ID, &op.Type, &op.Status, &op.ProjectID, &submitted, &started, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, projectd.Errorf(projectd.ENOTFOUND, "no operation %s", id)
	} else if err != nil {
		return nil, err
	}
	op.Submitted, op.Started, op.Finished = fromMicros(submitted), fromMicros(started), fromMicros(finished)
	return &op, nil
}
