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

// OperationService runs and reports operations.
type OperationService interface {
	// ArchiveProject archives a project the caller may change and records the operation;
	// a project archived already is ECONFLICT.
	ArchiveProject(ctx context.Context, ref string) (*Operation, error)
	// FindOperation returns an operation the caller submitted (any, for admins).
	FindOperation(ctx context.Context, id string) (*Operation, error)
}
