package projectd

import (
	"context"
	"time"
)

// Operation types and statuses.
const (
	OperationProjectArchive = "PROJECT.ARCHIVE"
	OperationSuccess        = "SUCCESS"
)

// Sort fields of operations.
const (
	OperationSortID        = "id"
	OperationSortSubmitted = "submitted"
	OperationSortFinished  = "finished"
)

// Operation is the record of an action that clients track as asynchronous (the Toloka
// API archives projects this way). projectd completes them at once.
type Operation struct {
	ID        string
	Type      string
	Status    string
	ProjectID int64
	Submitted time.Time
	Started   time.Time
	Finished  time.Time
}

// OperationFilter selects operations. Zero values mean "no condition"; ids compare as
// text, which for projectd's UUIDv7 ids is the order they were submitted in.
type OperationFilter struct {
	Type   string
	Status string

	IDGt, IDGte, IDLt, IDLte string

	SubmittedGt, SubmittedGte, SubmittedLt, SubmittedLte *time.Time
	FinishedGt, FinishedGte, FinishedLt, FinishedLte     *time.Time
}

// OperationQuery is a filtered, sorted, limited list of operations.
type OperationQuery struct {
	Filter OperationFilter
	Sort   []SortKey // fields OperationSort*; id breaks ties
	Limit  int       // 1..MaxLimit
}

// OperationService runs and reports operations.
type OperationService interface {
	// ArchiveProject archives a project the caller may change and records the operation;
	// a project archived already is ECONFLICT.
	ArchiveProject(ctx context.Context, ref string) (*Operation, error)
	// FindOperation returns an operation the caller submitted (any, for admins).
	FindOperation(ctx context.Context, id string) (*Operation, error)
	// FindOperations lists the operations the caller submitted (all, for admins), and
	// whether more match than the limit.
	FindOperations(ctx context.Context, q OperationQuery) ([]*Operation, bool, error)
}
