package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
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
	u, err := url.Parse(*source)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("migrate: --url must be http(s)://host[:port], got %q", *source)
	}
	src := &compat.Source{URL: strings.TrimSuffix(*source, "/"), HTTP: &http.Client{Timeout: time.Minute}, Credential: map[string]string{}, Workspaces: workspaces}
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
		pullErr := surface.Migrate.Pull(ctx, src, run.write)
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
	workspaces map[string]bool // the workspaces known to exist
	outcomes   map[string]int
	failed     []string
}

// write stores one pulled project; a project the store refuses is counted as failed with
// its reason, and the run goes on.
func (m *migration) write(p *projectd.Migrated) error {
	if m.outcomes == nil {
		m.outcomes = map[string]int{}
	}
	m.progress.add()
	err := p.Err
	if err == nil && p.Project.Workspace != "" && !m.workspaces[p.Project.Workspace] {
		err = m.ensureWorkspace(p.Project.Workspace)
	}
	var outcome string
	if err == nil {
		outcome, err = m.store.Migrate(m.as, m.source, p)
	}
	if err != nil {
		if projectd.ErrorCode(err) == projectd.EINTERNAL {
			return err // the store itself failed: stop, the next run goes on
		}
		m.failed = append(m.failed, fmt.Sprintf("%s: %v", p.SourceID, err))
		return nil
	}
	m.outcomes[outcome]++
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
