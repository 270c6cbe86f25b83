package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

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
		c := newChanges()
		if _, err := db.updateRow(ctx, tx, a, p, []assignment{{"status", projectd.StatusArchived}}, c); err != nil {
			return err
		}
		if err := db.afterWrite(ctx, tx, c); err != nil {
			return err
		}
		now := db.now()
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
	defer db.timed(projectd.OpGet)()
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
	op, err := scanOperation(db.queryRow(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, projectd.Errorf(projectd.ENOTFOUND, "no operation %s", id)
	}
	return op, err
}

// operationSortColumns maps the sort fields of operations to their columns.
var operationSortColumns = map[string]string{
	projectd.OperationSortID:        "id",
	projectd.OperationSortSubmitted: "submitted_at",
	projectd.OperationSortFinished:  "finished_at",
}

// FindOperations lists the operations the caller submitted (all, for admins), reading
// one row more than the limit to tell whether more match.
func (db *DB) FindOperations(ctx context.Context, q projectd.OperationQuery) ([]*projectd.Operation, bool, error) {
	defer db.timed(projectd.OpPage)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, false, err
	}
	if q.Limit < 1 || q.Limit > projectd.MaxLimit {
		return nil, false, projectd.Invalid("limit", "limit must be 1..%d", projectd.MaxLimit)
	}
	var w where
	if !a.User.IsAdmin() {
		w.add("user_id = ?", a.User.ID)
	}
	f := &q.Filter
	for cond, v := range map[string]string{"type = ?": f.Type, "status = ?": f.Status,
		"id > ?": f.IDGt, "id >= ?": f.IDGte, "id < ?": f.IDLt, "id <= ?": f.IDLte} {
		if v != "" {
			w.add(cond, v)
		}
	}
	for cond, t := range map[string]*time.Time{
		"submitted_at > ?": f.SubmittedGt, "submitted_at >= ?": f.SubmittedGte, "submitted_at < ?": f.SubmittedLt, "submitted_at <= ?": f.SubmittedLte,
		"finished_at > ?": f.FinishedGt, "finished_at >= ?": f.FinishedGte, "finished_at < ?": f.FinishedLt, "finished_at <= ?": f.FinishedLte} {
		if t != nil {
			w.add(cond, micros(*t))
		}
	}
	order := make([]string, 0, len(q.Sort)+1)
	for _, k := range q.Sort {
		col, ok := operationSortColumns[k.Field]
		if !ok {
			return nil, false, projectd.Invalid("sort", "operations sort by id, submitted or finished, not %q", k.Field)
		}
		if k.Desc {
			col += " DESC"
		}
		order = append(order, col)
	}
	if !slices.ContainsFunc(q.Sort, func(k projectd.SortKey) bool { return k.Field == projectd.OperationSortID }) {
		order = append(order, "id")
	}
	query := "SELECT id, type, status, project_id, submitted_at, started_at, finished_at FROM operations" +
		w.sql() + " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + strconv.Itoa(q.Limit+1)
	rows, err := db.query(ctx, query, w.args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var ops []*projectd.Operation
	for rows.Next() {
		op, err := scanOperation(rows)
		if err != nil {
			return nil, false, err
		}
		ops = append(ops, op)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(ops) > q.Limit {
		return ops[:q.Limit], true, nil
	}
	return ops, false, nil
}

func scanOperation(row scanner) (*projectd.Operation, error) {
	var op projectd.Operation
	var submitted, started, finished int64
	if err := row.Scan(&op.ID, &op.Type, &op.Status, &op.ProjectID, &submitted, &started, &finished); err != nil {
		return nil, err
	}
	op.Submitted, op.Started, op.Finished = fromMicros(submitted), fromMicros(started), fromMicros(finished)
	return &op, nil
}
