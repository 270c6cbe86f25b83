package projectd

import (
	"context"
	"time"
)

// Migrated is one project that migrate pulled from another service through its API.
type Migrated struct {
	// SourceID is the project's id at the source: with the source, it names the project
	// on every later run.
	SourceID string
	// Project is its core fields and its surface's ext namespace; migrate sets Owner.
	Project ProjectCreate
	// CreatedAt is its creation time at the source (zero where the API does not say).
	CreatedAt time.Time
	// Err is why the project cannot be taken, when the source's answer for it does not
	// map (the run goes on, and reports it).
	Err error
}

// What a migration did with one project.
const (
	MigratedCreated   = "created"
	MigratedUpdated   = "updated"
	MigratedUnchanged = "unchanged"
)

// MigrateResult is what a migration did with one project: an outcome (MigratedCreated…)
// or the error of a project the store refuses.
type MigrateResult struct {
	Outcome string
	Err     error
}

// MigrationService writes the projects that migrate pulls.
type MigrationService interface {
	// Migrate creates the project of each (source, SourceID) of the batch for the caller
	// on first sight, updates it when what the source says of it changed, and leaves it
	// alone otherwise, all in one transaction with the records of the source ids.
	Migrate(ctx context.Context, source string, batch []*Migrated) ([]MigrateResult, error)
}
