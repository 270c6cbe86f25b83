package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"projectd"
)

// pulled is one project of a batch, checked and fingerprinted.
type pulled struct {
	m         *projectd.Migrated
	create    projectd.ProjectCreate
	ext, sum  string
	projectID int64  // the project an earlier run made of it, 0 for none
	recorded  string // the fingerprint that run recorded
	outcome   string
}

// Migrate writes a batch of projects that migrate pulled from source, in one transaction
// with their records in project_sources: each is created on first sight (with the
// source's creation time), updated when its fingerprint — everything the source said of
// it — changed, and left alone otherwise. A run cut off anywhere has written each batch
// wholly or not at all, and the next run goes on from there. A project the store refuses
// has its error in the result; the others are written all the same.
func (db *DB) Migrate(ctx context.Context, source string, batch []*projectd.Migrated) ([]projectd.MigrateResult, error) {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return nil, err
	}
	results := make([]projectd.MigrateResult, len(batch))
	pulls := make([]*pulled, len(batch)) // nil where the project is refused
	byID := map[string]*pulled{}
	for i, m := range batch {
		p := &pulled{m: m, create: m.Project}
		p.create.Owner = ""
		if p.create.Status == "" {
			p.create.Status = projectd.StatusActive
		}
		err := p.create.Validate()
		if err == nil {
			p.ext, err = db.checkExt(p.create.Ext)
		}
		if err != nil {
			results[i].Err = err
			continue
		}
		p.sum = fingerprint(&p.create, p.ext, micros(m.CreatedAt))
		pulls[i], byID[m.SourceID] = p, p
	}
	if err := db.knownSources(ctx, source, byID); err != nil {
		return nil, err
	}
	var creates, updates []*pulled
	for _, p := range pulls {
		switch {
		case p == nil:
		case p.projectID == 0:
			p.outcome, creates = projectd.MigratedCreated, append(creates, p)
		case p.recorded != p.sum:
			p.outcome, updates = projectd.MigratedUpdated, append(updates, p)
		default:
			p.outcome = projectd.MigratedUnchanged
		}
	}
	if len(creates)+len(updates) > 0 {
		err := db.withProjectIDs(ctx, len(creates), func(first int64) error {
			return db.inTx(ctx, func(tx *Tx) error { return db.writeMigrated(ctx, tx, a, source, creates, updates, first) })
		})
		switch {
		case err == nil:
		case projectd.ErrorCode(err) == projectd.EINTERNAL:
			return nil, err
		case len(batch) > 1:
			return db.migrateOneByOne(ctx, source, batch) // find which project the store refuses
		default:
			results[0].Err = err
			return results, nil
		}
	}
	for i, p := range pulls {
		if p != nil {
			results[i].Outcome = p.outcome
		}
	}
	return results, nil
}

// migrateOneByOne writes a batch that the store refused as a whole one project at a time.
func (db *DB) migrateOneByOne(ctx context.Context, source string, batch []*projectd.Migrated) ([]projectd.MigrateResult, error) {
	results := make([]projectd.MigrateResult, len(batch))
	for i, m := range batch {
		r, err := db.Migrate(ctx, source, []*projectd.Migrated{m})
		if err != nil {
			return nil, err
		}
		results[i] = r[0]
	}
	return results, nil
}

// knownSources fills in the projects that earlier runs made of the batch's source ids.
func (db *DB) knownSources(ctx context.Context, source string, byID map[string]*pulled) error {
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += bulkRows {
		chunk := ids[start:min(start+bulkRows, len(ids))]
		rows, err := db.query(ctx, "SELECT source_id, project_id, fingerprint FROM project_sources WHERE source = ? AND source_id IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+")", append([]any{source}, chunk...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, sum string
			var projectID int64
			if err := rows.Scan(&id, &projectID, &sum); err != nil {
				rows.Close()
				return err
			}
			byID[id].projectID, byID[id].recorded = projectID, sum
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// writeMigrated creates and updates a batch's projects in tx, ids from first on.
func (db *DB) writeMigrated(ctx context.Context, tx *Tx, a *projectd.Auth, source string, creates, updates []*pulled, first int64) error {
	written := newChanges()
	for i, p := range creates {
		id := int64(0) // SQLite's
		if first != 0 {
			id = first + int64(i)
		}
		id, err := db.insertProject(ctx, tx, a, &p.create, p.ext, id, p.m.CreatedAt, written)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO project_sources (source, source_id, project_id, fingerprint) VALUES (?, ?, ?, ?)", source, p.m.SourceID, id, p.sum); err != nil {
			if isUniqueViolation(err) {
				return projectd.Errorf(projectd.ECONFLICT, "another migrate wrote %s %s at the same time", source, p.m.SourceID)
			}
			return err
		}
	}
	for _, p := range updates {
		current, err := db.findForWrite(ctx, tx, a, strconv.FormatInt(p.projectID, 10), "")
		if err != nil {
			return err
		}
		workspaceID, err := resolveWorkspace(ctx, tx, a, p.create.Workspace)
		if err != nil {
			return err
		}
		set := []assignment{{"name", p.create.Name}, {"description", p.create.Description}, {"status", p.create.Status}, {"ext", p.ext}, {"workspace_id", workspaceID}}
		if !p.m.CreatedAt.IsZero() {
			set = append(set, assignment{"created_at", micros(p.m.CreatedAt)})
		}
		if _, err := db.updateRow(ctx, tx, a, current, set, written); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE project_sources SET fingerprint = ? WHERE source = ? AND source_id = ?", p.sum, source, p.m.SourceID); err != nil {
			return err
		}
	}
	return db.afterWrite(ctx, tx, written)
}

// fingerprint is the digest of what migrate writes of a project.
func fingerprint(c *projectd.ProjectCreate, ext string, created int64) string {
	b, _ := json.Marshal([]any{c.Name, c.Description, c.Status, c.Workspace, ext, created})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
