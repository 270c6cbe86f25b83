package cli

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"projectd/compat"
	"projectd/compat/surfaces"
	"projectd/metrics"
	"projectd/sqlstore"
)

const usage = `usage: projectd <command> [flags]

commands:
  serve              run the server (--addr, --public-url, --demo)
  user create        add a user (--login, --email, --first-name, --last-name, --admin)
  user passwd        set a user's password, read from standard input (--login)
  token create       issue a bearer token (--login, --name, --scopes, --expires)
  workspace create   add a workspace (--name, --owner, --member ...)
  key create         issue an access key pair for request signing (--login)
  key disable        stop an access key from signing (--access-key)
  appkey create      register a client application key (--name)
  authcode create    issue a one-time auth code for the Movika accounts API (--login)
  seed               fill the store with synthetic data (--users, --workspaces, --projects)
  export             write the store as NDJSON (--out)
  import             read NDJSON written by export (--in)
  backup             copy a live SQLite store consistently, check and describe the copy (--out)
  restore            put a backup back as a new SQLite store (--from)
  migrate            pull every project of an account from a server of one of the five APIs
                     (--from SURFACE --url URL --owner LOGIN and the API's credentials)
  version            print the version, the commit and the Go version

Every command takes --db (or PROJECTD_DB): sqlite:PATH (default sqlite:projectd.db) or
postgres://user@host:port/db.
`

// Run is the whole program with every surface of the list; main only gives it the
// process's context and streams.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return Program{Surfaces: surfaces.All}.Run(ctx, args, getenv, stdin, stdout, stderr)
}

// Program is projectd serving a list of surfaces.
type Program struct {
	Surfaces []compat.Surface
}

// Run runs the command that args name.
func (p Program) Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	cmd, rest := args[0], args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") && cmd != "serve" && cmd != "seed" && cmd != "export" && cmd != "import" && cmd != "backup" && cmd != "restore" && cmd != "migrate" {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	env := &environment{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, surfaces: p.Surfaces}
	switch cmd {
	case "serve":
		return env.serve(ctx, rest)
	case "user create":
		return env.userCreate(ctx, rest)
	case "user passwd":
		return env.userPasswd(ctx, rest)
	case "token create":
		return env.tokenCreate(ctx, rest)
	case "workspace create":
		return env.workspaceCreate(ctx, rest)
	case "key create":
		return env.keyCreate(ctx, rest)
	case "key disable":
		return env.keyDisable(ctx, rest)
	case "appkey create":
		return env.appkeyCreate(ctx, rest)
	case "authcode create":
		return env.authcodeCreate(ctx, rest)
	case "seed":
		return env.seed(ctx, rest)
	case "export":
		return env.export(ctx, rest)
	case "import":
		return env.importNDJSON(ctx, rest)
	case "backup":
		return env.backup(ctx, rest)
	case "restore":
		return env.restore(ctx, rest)
	case "migrate":
		return env.migrate(ctx, rest)
	case "version":
		fmt.Fprintln(stdout, version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// environment is what the commands read and write besides their flags.
type environment struct {
	getenv   func(string) string
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	surfaces []compat.Surface
}

// flags returns a flag set with --db, for a command named name.
func (e *environment) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	def := e.getenv("PROJECTD_DB")
	if def == "" {
		def = "sqlite:projectd.db"
	}
	db := fs.String("db", def, "database: sqlite:PATH or postgres://...")
	return fs, db
}

// parse parses flags and rejects stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseWithEnv is parse for serve: every flag not given takes PROJECTD_<FLAG> from the
// environment (upper case, - as _; a flag given wins), and its usage names that variable.
func (e *environment) parseWithEnv(fs *flag.FlagSet, args []string) error {
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " (env " + envName(f.Name) + ")" })
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v := e.getenv(envName(f.Name)); v != "" && !given[f.Name] && err == nil {
			if setErr := fs.Set(f.Name, v); setErr != nil {
				err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, setErr)
			}
		}
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// envName is the environment variable of a flag: --rate-limit is PROJECTD_RATE_LIMIT.
func envName(flag string) string {
	return "PROJECTD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// version is the module's version and commit as the build recorded them.
func version() string {
	b := build()
	return fmt.Sprintf("projectd %s commit %s %s", b.Version, b.Commit, b.GoVersion)
}

// build is the binary's version, commit (+modified when built from a changed tree) and Go
// version, as the build recorded them.
func build() metrics.Build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return metrics.Build{Version: "unknown", Commit: "unknown", GoVersion: runtime.Version()}
	}
	commit, modified := "unknown", ""
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	return metrics.Build{Version: info.Main.Version, Commit: commit + modified, GoVersion: info.GoVersion}
}

// openStore opens the database and gives it the master key.
func (e *environment) openStore(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	key, err := masterKey(dsn, e.getenv)
	if err != nil {
		return nil, err
	}
	ext, err := compat.Extensions(e.surfaces)
	if err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, dsn, ext)
	if err != nil {
		return nil, err
	}
	db.MasterKey = key
	return db, nil
}

// masterKey returns the 32-byte key that seals secrets and signs cursors: from
// PROJECTD_MASTER_KEY (base64 or hex), else from a key file kept beside an SQLite
// database (PATH.key) or, for PostgreSQL, projectd.key in the working directory. The file
// is created on first use; replicas must share the same key.
func masterKey(dsn string, getenv func(string) string) ([]byte, error) {
	if v := strings.TrimSpace(getenv("PROJECTD_MASTER_KEY")); v != "" {
		return decodeKey(v, "PROJECTD_MASTER_KEY")
	}
	path := "projectd.key"
	if file, ok := sqlitePath(dsn); ok {
		path = file + ".key"
	}
	b, err := os.ReadFile(path)
	if err == nil {
		return decodeKey(strings.TrimSpace(string(b)), path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("master key: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := createKeyFile(path, key); errors.Is(err, os.ErrExist) { // another process created it first: use theirs
		return masterKey(dsn, getenv)
	} else if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return key, nil
}

// createKeyFile writes key to a new file at path, readable by its owner alone.
func createKeyFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, base64.StdEncoding.EncodeToString(key))
	return errors.Join(err, f.Sync(), f.Close())
}

// sqlitePath is the file that an sqlite:PATH (or sqlite://PATH) dsn names.
func sqlitePath(dsn string) (string, bool) {
	file, ok := strings.CutPrefix(dsn, "sqlite:")
	return strings.TrimPrefix(file, "//"), ok
}

func decodeKey(s, source string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, fmt.Errorf("%s must hold 32 bytes in base64 or hex", source)
}

// subkey derives a key for one purpose from the master key.
func subkey(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("projectd " + purpose))
	return m.Sum(nil)
}

// parseOrigin checks a flag that names a server's origin, http(s)://host[:port], and
// returns it without a trailing slash.
func parseOrigin(flag, value string) (string, error) {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("%s must be http(s)://host[:port], got %q", flag, value)
	}
	return strings.TrimSuffix(value, "/"), nil
}
