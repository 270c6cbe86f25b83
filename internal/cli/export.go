package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
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

// importFrom reads NDJSON written by export from r into the store. Users and workspaces
// go in batches; each run of project records goes through LoadProjects, the pipelined
// bulk path of seed (one transaction, indexes rebuilt when the table was empty,
// statistics refreshed at the end).
func (e *environment) importFrom(ctx context.Context, store *sqlstore.DB, r io.Reader) error {
	// As for seed: decoding allocates fast and keeps little, and a collector that runs
	// less often leaves the cores to the writer and the decoders (1,000,000 projects:
	// 21.5-22.2 s at the default, 18.4-19.0 s at 800).
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	im := importer{store: store, lines: newLineReader(r)}
	for {
		line, ok := im.lines.next()
		if !ok {
			break
		}
		if err := im.add(ctx, line); err != nil {
			return fmt.Errorf("import: line %d: %w", im.lines.n, err)
		}
	}
	if err := im.lines.err(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := im.flush(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintf(e.stdout, "imported %d users, %d workspaces and %d projects\n", im.counts[0], im.counts[1], im.counts[2])
	return nil
}

// lineReader reads the non-blank lines of NDJSON, one of which may be put back.
type lineReader struct {
	sc   *bufio.Scanner
	n    int    // the number of the line last read
	back []byte // a line put back, read again next
}

func newLineReader(r io.Reader) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	return &lineReader{sc: sc}
}

func (lr *lineReader) next() ([]byte, bool) {
	if lr.back != nil {
		line := lr.back
		lr.back = nil
		return line, true
	}
	for lr.sc.Scan() {
		lr.n++
		if len(bytes.TrimSpace(lr.sc.Bytes())) > 0 {
			return lr.sc.Bytes(), true
		}
	}
	return nil, false
}

// unread puts back the line last read, to be read again next: the scanner has not moved
// since, so its bytes are intact.
func (lr *lineReader) unread(line []byte) { lr.back = line }

func (lr *lineReader) err() error {
	if err := lr.sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", lr.n+1, err)
	}
	return nil
}

// importer batches users and workspaces, writing a batch when the type changes or the
// batch is full so that projects find the users and workspaces before them, and loads
// each run of projects at once.
type importer struct {
	store      *sqlstore.DB
	lines      *lineReader
	users      []*projectd.User
	workspaces []*projectd.Workspace
	counts     [3]int
}

func decodeStrict(line []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// exportedProject is how every project line that export writes begins.
var exportedProject = []byte(`{"type":"project",`)

// recordType is the "type" of a record.
func recordType(line []byte) (string, error) {
	var head struct {
		Type string `json:"type"`
	}
	err := json.Unmarshal(line, &head)
	return head.Type, err
}

func (im *importer) add(ctx context.Context, line []byte) error {
	typ, err := recordType(line)
	if err != nil {
		return err
	}
	switch typ {
	case "user":
		var r userRecord
		if err := decodeStrict(line, &r); err != nil {
			return err
		}
		if len(im.workspaces) > 0 {
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
		if len(im.users) > 0 {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
		im.workspaces = append(im.workspaces, &projectd.Workspace{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
			CreatedBy: &projectd.User{Login: r.CreatedBy}, UpdatedBy: &projectd.User{Login: r.UpdatedBy}, Members: r.Members})
	case "project":
		if err := im.flush(ctx); err != nil {
			return err
		}
		im.lines.unread(line)
		return im.loadProjects(ctx)
	default:
		return fmt.Errorf("unknown record type %q: use user, workspace or project", typ)
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
	im.counts[0] += len(im.users)
	im.counts[1] += len(im.workspaces)
	im.users, im.workspaces = nil, nil
	return nil
}

// loadProjects loads the project records from the next line on, up to the first record
// of another type (put back for add), in one LoadProjects. One goroutine reads the lines
// in batches; each batch is decoded on a goroutine of its own, and LoadProjects takes
// them in order: decoding is most of an import's work beside the writer.
func (im *importer) loadProjects(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	decoded := make(chan chan decodedBatch, runtime.GOMAXPROCS(0))
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(decoded)
		for {
			batch, err := im.readProjectLines()
			if err == nil && len(batch.lines) == 0 {
				return
			}
			result := make(chan decodedBatch, 1)
			select {
			case decoded <- result:
			case <-ctx.Done():
				return
			}
			if err != nil {
				result <- decodedBatch{err: err}
				return
			}
			go func() { result <- batch.decode() }()
		}
	}()
	next := func() ([]*projectd.Project, error) {
		result, ok := <-decoded
		if !ok {
			return nil, nil
		}
		b := <-result
		return b.projects, b.err
	}
	loaded := 0
	err := im.store.LoadProjects(ctx, next, func(n int) { loaded = n })
	cancel()
	<-readDone
	im.counts[2] += loaded
	return err
}

// projectLines are the lines of up to seedBatch project records, copied out of the
// scanner, with their line numbers.
type projectLines struct {
	lines   [][]byte
	numbers []int
}

// readProjectLines reads the next project records, stopping before a record of another
// type (put back).
func (im *importer) readProjectLines() (projectLines, error) {
	var batch projectLines
	for len(batch.lines) < seedBatch {
		line, ok := im.lines.next()
		if !ok {
			break
		}
		if !bytes.HasPrefix(line, exportedProject) { // export's own lines need no parse here
			typ, err := recordType(line)
			if err != nil {
				return batch, fmt.Errorf("line %d: %w", im.lines.n, err)
			}
			if typ != "project" {
				im.lines.unread(line)
				break
			}
		}
		batch.lines = append(batch.lines, bytes.Clone(line))
		batch.numbers = append(batch.numbers, im.lines.n)
	}
	return batch, nil
}

type decodedBatch struct {
	projects []*projectd.Project
	err      error
}

func (b projectLines) decode() decodedBatch {
	projects := make([]*projectd.Project, len(b.lines))
	for i, line := range b.lines {
		r, err := decodeProjectRecord(line)
		if err != nil {
			return decodedBatch{err: fmt.Errorf("line %d: %w", b.numbers[i], err)}
		}
		projects[i] = &projectd.Project{ID: r.ID, UID: r.UID, Name: r.Name, Description: r.Description,
			Status: r.Status, Owner: &projectd.User{Login: r.Owner}, Workspace: r.Workspace, CreatedAt: r.CreatedAt,
			CreatedBy: &projectd.User{Login: r.CreatedBy}, UpdatedAt: r.UpdatedAt, UpdatedBy: &projectd.User{Login: r.UpdatedBy},
			Version: r.Version, Ext: r.Ext}
	}
	return decodedBatch{projects: projects}
}

// decodeProjectRecord is decodeStrict of a project record (unknown fields refused, the
// last of repeated names kept) without reflection: a million of them are most of the
// CPU of an import beside the writer. Names match exactly, as export writes them.
func decodeProjectRecord(line []byte) (projectRecord, error) {
	var r projectRecord
	fields, err := projectd.JSONObject(line)
	if err != nil {
		return r, fmt.Errorf("not a JSON object")
	}
	for name, raw := range fields {
		var err error
		switch name {
		case "type":
			err = jsonString(raw, &r.Type)
		case "uid":
			err = jsonString(raw, &r.UID)
		case "name":
			err = jsonString(raw, &r.Name)
		case "description":
			err = jsonString(raw, &r.Description)
		case "status":
			err = jsonString(raw, &r.Status)
		case "owner":
			err = jsonString(raw, &r.Owner)
		case "workspace":
			err = jsonString(raw, &r.Workspace)
		case "created_by":
			err = jsonString(raw, &r.CreatedBy)
		case "updated_by":
			err = jsonString(raw, &r.UpdatedBy)
		case "id":
			err = jsonInt(raw, &r.ID)
		case "version":
			err = jsonInt(raw, &r.Version)
		case "created_at":
			err = r.CreatedAt.UnmarshalJSON(raw)
		case "updated_at":
			err = r.UpdatedAt.UnmarshalJSON(raw)
		case "ext":
			r.Ext = raw
		default:
			return r, fmt.Errorf("json: unknown field %q", name)
		}
		if err != nil {
			return r, fmt.Errorf("field %s: %w", name, err)
		}
	}
	return r, nil
}

func jsonString(raw json.RawMessage, s *string) error {
	v, ok := projectd.JSONString(raw)
	if !ok {
		return fmt.Errorf("want a string, got %.40s", raw)
	}
	*s = v
	return nil
}

func jsonInt(raw json.RawMessage, n *int64) error {
	if string(raw) == "null" {
		return nil
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return fmt.Errorf("want an integer, got %.40s", raw)
	}
	*n = v
	return nil
}
