package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"projectd"
	"projectd/compat"
	"projectd/sqlstore"
)

// migrateCredentials are the flags surfaces may ask for (compat.Migration.Credentials).
var migrateCredentials = map[string]string{
	"token":      "the account's token (Toloka OAuth token, TextKing or Tervis bearer token, Movika access token)",
	"api-key":    "Movika: the client application's Api-Key",
	"access-key": "NAVER: the access key that signs the requests",
	"secret-key": "NAVER: its secret key",
	"user-id":    "Tervis: the user id whose projects to pull",
	"workspace":  "NAVER: a workspace to pull (repeat for each)",
}

// migrate pulls every project an account can see from a server of one of the surfaces'
// APIs, through that API, into the store as --owner's.
func (e *environment) migrate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("migrate")
	from := fs.String("from", "", "the API of the source: "+strings.Join(e.migratable(), ", "))
	source := fs.String("url", "", "the source's origin, http(s)://host[:port]")
	owner := fs.String("owner", "", "the projectd user who owns the migrated projects")
	creds := map[string]*string{}
	var workspaces repeated
	for _, name := range slices.Sorted(maps.Keys(migrateCredentials)) {
		if name == "workspace" {
			fs.Var(&workspaces, name, migrateCredentials[name])
			continue
		}
		creds[name] = fs.String(name, "", migrateCredentials[name])
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "from", "url", "owner"); err != nil {
		return err
	}
	i := slices.IndexFunc(e.surfaces, func(s compat.Surface) bool { return s.Name == *from && s.Migrate != nil })
	if i < 0 {
		return fmt.Errorf("migrate: --from must be one of %s, got %q", strings.Join(e.migratable(), ", "), *from)
	}
	surface := e.surfaces[i]
	origin, err := parseOrigin("--url", *source)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	src := &compat.Source{URL: origin, HTTP: &http.Client{Timeout: time.Minute}, Credential: map[string]string{}, Workspaces: workspaces}
	for _, name := range surface.Migrate.Credentials {
		if name == "workspace" {
			if len(workspaces) == 0 {
				return fmt.Errorf("migrate --from %s: --workspace is required (one for each workspace to pull)", surface.Name)
			}
			continue
		}
		if *creds[name] == "" {
			return fmt.Errorf("migrate --from %s: --%s is required: %s", surface.Name, name, migrateCredentials[name])
		}
		src.Credential[name] = *creds[name]
	}
	return e.withStore(ctx, fs, dsn, nil, nil, func(store *sqlstore.DB) error {
		u, err := store.FindUserByLogin(ctx, *owner)
		if err != nil {
			return fmt.Errorf("migrate: --owner %s: %w", *owner, err)
		}
		run := &migration{store: store, as: asUser(ctx, u), source: surface.Name + " " + src.URL, progress: &progress{w: e.stderr, start: time.Now()}, workspaces: map[string]bool{}}
		src.Total = run.progress.setTotal
		pullErr := run.pull(ctx, surface.Migrate, src)
		run.progress.done()
		run.summary(e.stdout)
		switch {
		case pullErr != nil && errors.Is(pullErr, compat.ErrSource):
			return fmt.Errorf("migrate: %w (run again to go on: every project written so far is whole and recorded)", pullErr)
		case pullErr != nil:
			return fmt.Errorf("migrate: %w", pullErr)
		case len(run.failed) > 0:
			return fmt.Errorf("migrate: %d projects could not be migrated (above)", len(run.failed))
		}
		return nil
	})
}

// migratable names the surfaces that can be migrated from.
func (e *environment) migratable() []string {
	var names []string
	for _, s := range e.surfaces {
		if s.Migrate != nil {
			names = append(names, s.Name)
		}
	}
	return names
}

// migration is one run: what it did with each project.
type migration struct {
	store      *sqlstore.DB
	as         context.Context // the owner, in whose name projects are written
	source     string          // the surface and the source's URL: with a project's id there, its name across runs
	progress   *progress
	workspaces map[string]bool      // the workspaces known to exist
	pending    []*projectd.Migrated // pulled, not written yet
	outcomes   map[string]int
	failed     []string
}

// pull runs the surface's Pull beside the writes, so that the source answers its next
// page while the store writes the last; what was pulled before a failure is written too.
func (m *migration) pull(ctx context.Context, mig *compat.Migration, src *compat.Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pulled := make(chan *projectd.Migrated, 2*migrateBatch)
	done := make(chan error, 1)
	go func() {
		defer close(pulled)
		done <- mig.Pull(ctx, src, func(p *projectd.Migrated) error {
			select {
			case pulled <- p:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var writeErr error
	for p := range pulled {
		if writeErr == nil {
			if writeErr = m.write(p); writeErr != nil {
				cancel() // the store failed: stop pulling
			}
		}
	}
	if writeErr == nil {
		writeErr = m.flush()
	}
	if writeErr != nil {
		return writeErr
	}
	return <-done
}

// migrateBatch is how many projects one transaction of migrate writes.
const migrateBatch = 250

// write takes one pulled project: a project that does not map is counted as failed with
// its reason, the others are written a batch at a time.
func (m *migration) write(p *projectd.Migrated) error {
	m.progress.add()
	if p.Err != nil {
		m.failed = append(m.failed, fmt.Sprintf("%s: %v", p.SourceID, p.Err))
		return nil
	}
	if ws := p.Project.Workspace; ws != "" && !m.workspaces[ws] {
		if err := m.ensureWorkspace(ws); err != nil {
			return fmt.Errorf("workspace %s: %w", ws, err)
		}
	}
	m.pending = append(m.pending, p)
	if len(m.pending) >= migrateBatch {
		return m.flush()
	}
	return nil
}

// flush writes the pending batch; the store failing stops the run (the next goes on).
func (m *migration) flush() error {
	if len(m.pending) == 0 {
		return nil
	}
	results, err := m.store.Migrate(m.as, m.source, m.pending)
	if err != nil {
		return err
	}
	if m.outcomes == nil {
		m.outcomes = map[string]int{}
	}
	for i, r := range results {
		if r.Err != nil {
			m.failed = append(m.failed, fmt.Sprintf("%s: %v", m.pending[i].SourceID, r.Err))
		} else {
			m.outcomes[r.Outcome]++
		}
	}
	m.pending = m.pending[:0]
	return nil
}

// ensureWorkspace makes a workspace the source's projects are in, owned by the owner.
func (m *migration) ensureWorkspace(name string) error {
	_, err := m.store.FindWorkspace(m.as, name)
	if projectd.ErrorCode(err) == projectd.ENOTFOUND {
		_, err = m.store.CreateWorkspace(m.as, name, nil)
	}
	if err == nil {
		m.workspaces[name] = true
	}
	return err
}

func (m *migration) summary(w io.Writer) {
	fmt.Fprintf(w, "migrate %s: created %d, updated %d, unchanged %d, failed %d\n", m.source,
		m.outcomes[projectd.MigratedCreated], m.outcomes[projectd.MigratedUpdated], m.outcomes[projectd.MigratedUnchanged], len(m.failed))
	for i, f := range m.failed {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more\n", len(m.failed)-i)
			break
		}
		fmt.Fprintf(w, "  failed %s\n", f)
	}
}
