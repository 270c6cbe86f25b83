package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"projectd"
	"projectd/sqlstore"
)

// The NDJSON of export and import: one record a line, users first, then workspaces, then
// projects, each with its "type". Credentials (tokens, keys) are not exported.

// userRecord is a user as the native API writes one, with its type.
type userRecord struct {
	Type string `json:"type"`
	projectd.User
}

type workspaceRecord struct {
	Type      string                     `json:"type"`
	ID        int64                      `json:"id"`
	Name      string                     `json:"name"`
	CreatedAt time.Time                  `json:"created_at"`
	CreatedBy string                     `json:"created_by"`
	UpdatedAt time.Time                  `json:"updated_at"`
	UpdatedBy string                     `json:"updated_by"`
	Members   []projectd.WorkspaceMember `json:"members"`
}

type projectRecord struct {
	Type        string          `json:"type"`
	ID          int64           `json:"id"`
	UID         string          `json:"uid"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Status      string          `json:"status"`
	Owner       string          `json:"owner"`
	Workspace   string          `json:"workspace,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	CreatedBy   string          `json:"created_by"`
	UpdatedAt   time.Time       `json:"updated_at"`
	UpdatedBy   string          `json:"updated_by"`
	Version     int64           `json:"version"`
	Ext         json.RawMessage `json:"ext"`
}

func (e *environment) export(ctx context.Context, args []string) error {
	fs, dsn := e.flags("export")
	out := fs.String("out", "-", "file to write, - for standard output")
	return e.withStore(ctx, fs, dsn, args, nil, func(store *sqlstore.DB) error {
		if *out == "-" {
			return exportTo(ctx, store, e.stdout)
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := exportTo(ctx, store, f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

// exportTo writes the store as NDJSON to w.
func exportTo(ctx context.Context, store *sqlstore.DB, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	err := store.ListUsers(ctx, func(u *projectd.User) error {
		return enc.Encode(userRecord{"user", *u})
	})
	if err != nil {
		return err
	}
	all := operator(ctx)
	workspaces, err := store.ListWorkspaces(all)
	if err != nil {
		return err
	}
	for _, ws := range workspaces {
		if err := enc.Encode(workspaceRecord{"workspace", ws.ID, ws.Name, ws.CreatedAt, ws.CreatedBy.Login, ws.UpdatedAt, ws.UpdatedBy.Login, ws.Members}); err != nil {
			return err
		}
	}
	err = store.StreamProjects(all, projectd.ProjectQuery{Sort: []projectd.SortKey{{Field: projectd.SortID}}}, func(p *projectd.Project) error {
		return enc.Encode(projectRecord{"project", p.ID, p.UID, p.Name, p.Description, p.Status, p.Owner.Login, p.Workspace,
			p.CreatedAt, p.CreatedBy.Login, p.UpdatedAt, p.UpdatedBy.Login, p.Version, p.Ext})
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

func (e *environment) importNDJSON(ctx context.Context, args []string) error {
	fs, dsn := e.flags("import")
	in := fs.String("in", "-", "file to read, - for standard input")
	return e.withStore(ctx, fs, dsn, args, nil, func(store *sqlstore.DB) error {
		if *in == "-" {
			return e.importFrom(ctx, store, e.stdin)
		}
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		return e.importFrom(ctx, store, f)
	})
}

// importFrom reads NDJSON written by export from r into the store.
func (e *environment) importFrom(ctx context.Context, store *sqlstore.DB, r io.Reader) error {
	im := importer{store: store}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := im.add(ctx, sc.Bytes()); err != nil {
			return fmt.Errorf("import: line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("import: line %d: %w", line+1, err)
	}
	if err := im.flush(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintf(e.stdout, "imported %d users, %d workspaces and %d projects\n", im.counts[0], im.counts[1], im.counts[2])
	return nil
}

// importer batches records of one type and writes a batch when the type changes or the
// batch is full, so that projects find the users and workspaces before them.
type importer struct {
	store      *sqlstore.DB
	users      []*projectd.User
	workspaces []*projectd.Workspace
	projects   []*projectd.Project
	counts     [3]int
}

func decodeStrict(line []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func (im *importer) add(ctx context.Context, line []byte) error {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return err
	}
	switch head.Type {
	case "user":
		var r userRecord
		if err := decodeStrict(line, &r); err != nil {
			return err
		}
		if len(im.workspaces)+len(im.projects) > 0 {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
		im.users = append(im.users, &r.User)
	case "workspace":
		var r workspaceRecord
		if err := decodeStrict(line, &r); err != nil {
			return err
		}
		if len(im.users)+len(im.projects) > 0 {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
		im.workspaces = append(im.workspaces, &projectd.Workspace{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
			CreatedBy: &projectd.User{Login: r.CreatedBy}, UpdatedBy: &projectd.User{Login: r.UpdatedBy}, Members: r.Members})
	case "project":
		var r projectRecord
		if err := decodeStrict(line, &r); err != nil {
			return err
		}
		if len(im.users)+len(im.workspaces) > 0 || len(im.projects) >= seedBatch {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
		im.projects = append(im.projects, &projectd.Project{ID: r.ID, UID: r.UID, Name: r.Name, Description: r.Description,
			Status: r.Status, Owner: &projectd.User{Login: r.Owner}, Workspace: r.Workspace, CreatedAt: r.CreatedAt,
			CreatedBy: &projectd.User{Login: r.CreatedBy}, UpdatedAt: r.UpdatedAt, UpdatedBy: &projectd.User{Login: r.UpdatedBy},
			Version: r.Version, Ext: r.Ext})
	default:
		return fmt.Errorf("unknown record type %q: use user, workspace or project", head.Type)
	}
	return nil
}

func (im *importer) flush(ctx context.Context) error {
	if err := im.store.ImportUsers(ctx, im.users); err != nil {
		return err
	}
	if err := im.store.ImportWorkspaces(ctx, im.workspaces); err != nil {
		return err
	}
	if err := im.store.ImportProjects(ctx, im.projects); err != nil {
		return err
	}
	im.counts[0] += len(im.users)
	im.counts[1] += len(im.workspaces)
	im.counts[2] += len(im.projects)
	im.users, im.workspaces, im.projects = nil, nil, nil
	return nil
}
