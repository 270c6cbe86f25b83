package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"projectd"
	"projectd/sqlstore"
)

// required reports the first of the named flags that was not given.
func required(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] {
			return fmt.Errorf("%s: --%s is required", fs.Name(), n)
		}
	}
	return nil
}

func (e *environment) userCreate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("user create")
	u := &projectd.User{}
	fs.StringVar(&u.Login, "login", "", "login, [a-z0-9._-]{1,64}")
	fs.StringVar(&u.Email, "email", "", "email address")
	fs.StringVar(&u.FirstName, "first-name", "", "first name")
	fs.StringVar(&u.LastName, "last-name", "", "last name")
	fs.StringVar(&u.AvatarURL, "avatar-url", "", "avatar URL")
	admin := fs.Bool("admin", false, "make the user an admin, who sees and manages everything")
	return e.withStore(ctx, fs, dsn, args, []string{"login", "email"}, func(store *sqlstore.DB) error {
		if *admin {
			u.Role = projectd.RoleAdmin
		}
		if err := store.CreateUser(ctx, u); err != nil {
			return err
		}
		return json.NewEncoder(e.stdout).Encode(u)
	})
}

// userPasswd sets a user's password to the first line of standard input, so that it
// shows in no process list or shell history.
func (e *environment) userPasswd(ctx context.Context, args []string) error {
	fs, dsn := e.flags("user passwd")
	login := fs.String("login", "", "the user's login")
	return e.withStore(ctx, fs, dsn, args, []string{"login"}, func(store *sqlstore.DB) error {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("user passwd: reading the password from standard input: %w", err)
		}
		if err := store.SetPassword(ctx, *login, strings.TrimRight(line, "\r\n")); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s set\n", *login)
		return nil
	})
}

// withStore parses a command's flags, checks the required ones, opens the store and runs
// fn on it.
func (e *environment) withStore(ctx context.Context, fs *flag.FlagSet, dsn *string, args []string, requiredFlags []string, fn func(store *sqlstore.DB) error) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, requiredFlags...); err != nil {
		return err
	}
	store, err := e.openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store)
}

// splitList splits "a,b" into its non-empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (e *environment) tokenCreate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("token create")
	login := fs.String("login", "", "the user the token stands for")
	name := fs.String("name", "cli", "a name to recognise the token by")
	scopes := fs.String("scopes", "read,write", "comma-separated scopes: read, write")
	expires := fs.Duration("expires", 0, "lifetime such as 720h (default: never expires)")
	return e.withStore(ctx, fs, dsn, args, []string{"login"}, func(store *sqlstore.DB) error {
		if *expires < 0 {
			return errors.New("token create: --expires must be positive")
		}
		t, err := store.CreateToken(ctx, *login, *name, splitList(*scopes), *expires)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(e.stdout, t.Secret)
		return err
	})
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, splitList(v)...); return nil }

func (e *environment) workspaceCreate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("workspace create")
	name := fs.String("name", "", "workspace name, [a-z0-9-]{3,63}")
	owner := fs.String("owner", "", "login of the owner")
	var members repeated
	fs.Var(&members, "member", "login of a member (repeat, or separate with commas)")
	return e.withStore(ctx, fs, dsn, args, []string{"name", "owner"}, func(store *sqlstore.DB) error {
		u, err := store.FindUserByLogin(ctx, *owner)
		if err != nil {
			return fmt.Errorf("workspace create: no user %s", *owner)
		}
		list := make([]projectd.WorkspaceMember, len(members))
		for i, m := range members {
			list[i] = projectd.WorkspaceMember{Login: m, Role: projectd.WorkspaceRoleMember}
		}
		// The command acts as the owner, so the owner is the one who created it.
		asOwner := projectd.NewContextWithAuth(ctx, &projectd.Auth{User: u, Scopes: []string{projectd.ScopeRead, projectd.ScopeWrite}})
		ws, err := store.CreateWorkspace(asOwner, *name, list)
		if err != nil {
			return err
		}
		return json.NewEncoder(e.stdout).Encode(ws)
	})
}

func (e *environment) keyCreate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("key create")
	login := fs.String("login", "", "the user the key pair signs for")
	expires := fs.Duration("expires", 0, "how long the key signs (0: until disabled)")
	return e.withStore(ctx, fs, dsn, args, []string{"login"}, func(store *sqlstore.DB) error {
		k, err := store.CreateAccessKey(ctx, *login, *expires)
		if err != nil {
			return err
		}
		return json.NewEncoder(e.stdout).Encode(k)
	})
}

func (e *environment) keyDisable(ctx context.Context, args []string) error {
	fs, dsn := e.flags("key disable")
	accessKey := fs.String("access-key", "", "the access key to disable")
	return e.withStore(ctx, fs, dsn, args, []string{"access-key"}, func(store *sqlstore.DB) error {
		return store.DisableAccessKey(ctx, *accessKey)
	})
}

func (e *environment) appkeyCreate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("appkey create")
	name := fs.String("name", "", "name of the client application")
	return e.withStore(ctx, fs, dsn, args, []string{"name"}, func(store *sqlstore.DB) error {
		key, err := store.CreateAppKey(ctx, *name)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(e.stdout, key)
		return err
	})
}

func (e *environment) authcodeCreate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("authcode create")
	login := fs.String("login", "", "the user the code signs in")
	return e.withStore(ctx, fs, dsn, args, []string{"login"}, func(store *sqlstore.DB) error {
		code, err := store.CreateAuthCode(ctx, *login)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(e.stdout, code)
		return err
	})
}

// operator is the context of admin commands that read through the services: an admin
// that is no user of the store.
func operator(ctx context.Context) context.Context {
	return projectd.NewContextWithAuth(ctx, &projectd.Auth{
		User:   &projectd.User{Login: "operator", Role: projectd.RoleAdmin},
		Scopes: []string{projectd.ScopeRead},
	})
}
