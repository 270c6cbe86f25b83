package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"

	"projectd"
)

// Migrate writes a project that migrate pulled from source: created on first sight (with
// the source's creation time), updated when its fingerprint — everything the source said
// of it — changed, untouched otherwise. The project and its row in project_sources are
// one transaction, so a run cut off anywhere has written each project wholly or not at
// all, and the next run goes on from there.
func (db *DB) Migrate(ctx context.Context, source string, m *projectd.Migrated) (string, error) {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return "", err
	}
	c := m.Project
	c.Owner = ""
	if c.Status == "" {
		c.Status = projectd.StatusActive
	}
	if err := c.Validate(); err != nil {
		return "", err
	}
	ext, err := db.checkExt(c.Ext)
	if err != nil {
		return "", err
	}
	sum := fingerprint(&c, ext, micros(m.CreatedAt))
	var projectID int64
	var known string
	err = db.queryRow(ctx, "SELECT project_id, fingerprint FROM project_sources WHERE source = ? AND source_id = ?", source, m.SourceID).Scan(&projectID, &known)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return projectd.MigratedCreated, db.withProjectIDs(ctx, 1, func(id int64) error {
			return db.inTx(ctx, func(tx *Tx) error {
				p, err := db.createProject(ctx, tx, a, &c, ext, id, m.CreatedAt)
				if err != nil {
					return err
				}
				_, err = tx.exec(ctx, "INSERT INTO project_sources (source, source_id, project_id, fingerprint) VALUES (?, ?, ?, ?)", source, m.SourceID, p.ID, sum)
				if isUniqueViolation(err) {
					return projectd.Errorf(projectd.ECONFLICT, "another migrate wrote %s %s at the same time", source, m.SourceID)
				}
				return err
			})
		})
	case err != nil:
		return "", err
	case known == sum:
		return projectd.MigratedUnchanged, nil
	}
	return projectd.MigratedUpdated, db.inTx(ctx, func(tx *Tx) error {
		p, err := db.findForWrite(ctx, tx, a, strconv.FormatInt(projectID, 10), "")
		if err != nil {
			return err
		}
		workspaceID, err := resolveWorkspace(ctx, tx, a, c.Workspace)
		if err != nil {
			return err
		}
		set := []assignment{{"name", c.Name}, {"description", c.Description}, {"status", c.Status}, {"ext", ext}, {"workspace_id", workspaceID}}
		if !m.CreatedAt.IsZero() {
			set = append(set, assignment{"created_at", micros(m.CreatedAt)})
		}
		changes := newChanges()
		if _, err := db.updateRow(ctx, tx, a, p, set, changes); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE project_sources SET fingerprint = ? WHERE source = ? AND source_id = ?", sum, source, m.SourceID); err != nil {
			return err
		}
		return db.afterWrite(ctx, tx, changes)
	})
}

// fingerprint is the digest of what migrate writes of a project.
func fingerprint(c *projectd.ProjectCreate, ext string, created int64) string {
	b, _ := json.Marshal([]any{c.Name, c.Description, c.Status, c.Workspace, ext, created})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
