package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"

	"projectd"
	"projectd/compat"
	"projectd/sqlstore"
)

// nativeDemoProjects are the demo's projects that belong to no surface.
var nativeDemoProjects = []projectd.ProjectCreate{
	{Name: "Archived brochure", Description: "Last year's brochure.", Status: projectd.StatusArchived},
}

// DemoProjects are every project serve --demo loads for a list of surfaces: each
// surface's, then the native ones.
func DemoProjects(list []compat.Surface) []projectd.ProjectCreate {
	var all []projectd.ProjectCreate
	for _, s := range list {
		all = append(all, s.Demo.Projects...)
	}
	return append(all, nativeDemoProjects...)
}

// loadDemo fills an empty store with demo users, a workspace and projects (a store that
// has them already keeps them), issues a fresh token for the demo user and prints curl
// lines that work as printed: the native API's, then each surface's.
func loadDemo(ctx context.Context, store *sqlstore.DB, list []compat.Surface, base string, out io.Writer) error {
	ann, err := store.FindUserByLogin(ctx, "ann")
	if projectd.ErrorCode(err) == projectd.ENOTFOUND {
		ann, err = createDemoData(ctx, store, DemoProjects(list))
	}
	if err != nil {
		return err
	}
	token, err := store.CreateToken(ctx, ann.Login, "demo", nil, 0)
	if err != nil {
		return err
	}
	// Fresh passwords on every start, like the token: a demo prints its secrets.
	passwords := make([]any, len(demoLogins))
	for i, login := range demoLogins {
		password := rand.Text()[:16]
		if err := store.SetPassword(ctx, login, password); err != nil {
			return err
		}
		passwords[i] = password
	}
	fmt.Fprintf(out, `projectd demo: users ada (admin), ann and bob; workspace demo-studio; %d projects.
Token of ann (shown once): %s
Passwords (sign in with POST /api/session): ada %s, ann %s, bob %s
Web console: %[6]s/console/ (sign in as ann, or ada to administer)

Native API:
  curl -s -H 'Authorization: Bearer %[2]s' '%[6]s/api/projects?limit=5&sort=-created'
  curl -s -H 'Authorization: Bearer %[2]s' '%[6]s/api/me'
  curl -s -H 'Content-Type: application/json' -d '{"login":"ann","password":"%[4]s"}' -c cookies.txt '%[6]s/api/session'
`, append(append([]any{len(DemoProjects(list)), token.Secret}, passwords...), base)...)
	env := compat.DemoEnv{Store: store, Base: base, User: ann, Token: token.Secret, AsUser: asUser(ctx, ann)}
	for _, s := range list {
		lines, err := s.Demo.Lines(ctx, env)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		fmt.Fprintf(out, "\n%s\n", strings.Join(lines, "\n"))
	}
	return nil
}

func asUser(ctx context.Context, u *projectd.User) context.Context {
	return projectd.NewContextWithAuth(ctx, &projectd.Auth{User: u, Scopes: []string{projectd.ScopeRead, projectd.ScopeWrite}})
}

// demoLogins are the demo's users, in the order their passwords are printed.
var demoLogins = []string{"ada", "ann", "bob"}

func createDemoData(ctx context.Context, store *sqlstore.DB, projects []projectd.ProjectCreate) (*projectd.User, error) {
	users := []*projectd.User{
		{Login: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Role: projectd.RoleAdmin},
		{Login: "ann", Email: "ann@example.com", FirstName: "Ann", LastName: "Ivanova", AvatarURL: "https://avatars.example.com/ann.png"},
		{Login: "bob", Email: "bob@example.com", FirstName: "Bob", LastName: "Smith"},
	}
	for _, u := range users {
		if err := store.CreateUser(ctx, u); err != nil {
			return nil, err
		}
	}
	ann := users[1]
	asAnn := asUser(ctx, ann)
	if _, err := store.CreateWorkspace(asAnn, "demo-studio", []projectd.WorkspaceMember{{Login: "bob", Role: projectd.WorkspaceRoleMember}}); err != nil {
		return nil, err
	}
	for _, p := range projects {
		if _, err := store.CreateProject(asAnn, &p); err != nil {
			return nil, fmt.Errorf("project %q: %w", p.Name, err)
		}
	}
	return ann, nil
}
