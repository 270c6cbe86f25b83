package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"runtime/debug"
	"time"

	"projectd"
)

// seedBatch is how many projects seed makes at a time: small enough that even a load of
// 10,000 is validated on every core while it is written.
const seedBatch = 1000

func (e *environment) seed(ctx context.Context, args []string) error {
	fs, dsn := e.flags("seed")
	nUsers := fs.Int("users", 100, "users to create")
	nWorkspaces := fs.Int("workspaces", 10, "workspaces to create")
	nProjects := fs.Int("projects", 10000, "projects to create")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *nUsers < 1 || *nWorkspaces < 0 || *nProjects < 0 {
		return fmt.Errorf("seed: --users must be at least 1, --workspaces and --projects at least 0")
	}
	store, err := e.openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	// Seeding allocates fast and keeps little: collect garbage less often, so that the
	// collector does not take the core the database writes on.
	defer debug.SetGCPercent(debug.SetGCPercent(800))

	// A run tag keeps the logins and names of several seeds apart.
	tag := make([]byte, 2)
	rand.Read(tag)
	run := "seed" + hex.EncodeToString(tag)
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1))

	users := make([]*projectd.User, *nUsers)
	for i := range users {
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		login := fmt.Sprintf("%s.u%06d", run, i+1)
		users[i] = &projectd.User{
			Login: login, Email: login + "@example.com", FirstName: first, LastName: last,
			AvatarURL: fmt.Sprintf("https://avatars.example.com/%s.png", login),
		}
	}
	if err := store.ImportUsers(ctx, users); err != nil {
		return err
	}
	ids := make(map[string]int64, len(users)) // workspace members by login, for owners
	for _, u := range users {
		ids[u.Login] = u.ID
	}
	workspaces := make([]*projectd.Workspace, *nWorkspaces)
	for i := range workspaces {
		owner := users[i%len(users)]
		ws := &projectd.Workspace{Name: fmt.Sprintf("%s-w%05d", run, i+1)}
		ws.Members = []projectd.WorkspaceMember{{Login: owner.Login, Role: projectd.WorkspaceRoleOwner}}
		for j := 1; j <= 3 && j < len(users); j++ {
			m := users[(i+j*7)%len(users)]
			if m != owner {
				ws.Members = append(ws.Members, projectd.WorkspaceMember{Login: m.Login, Role: projectd.WorkspaceRoleMember})
			}
		}
		workspaces[i] = ws
	}
	if err := store.ImportWorkspaces(ctx, workspaces); err != nil {
		return err
	}

	start := time.Now()
	span := 2 * 365 * 24 * time.Hour
	first := start.Add(-span)
	bar := &progress{w: e.stderr, start: start}
	bar.setTotal(int64(*nProjects))
	made := 0
	next := func() ([]*projectd.Project, error) {
		batch := make([]*projectd.Project, 0, min(seedBatch, *nProjects-made))
		for ; made < *nProjects && len(batch) < seedBatch; made++ {
			p := seedProject(rng, made, *nProjects, users, ids, workspaces, first, span, start)
			p.Ext = e.seedExt(rng, made)
			batch = append(batch, p)
		}
		return batch, nil
	}
	if err := store.LoadProjects(ctx, next, bar.update); err != nil {
		return err
	}
	bar.done()
	fmt.Fprintf(e.stdout, "seeded %d users (%s.u*), %d workspaces (%s-w*) and %d projects\n", len(users), run, len(workspaces), run, *nProjects)
	return nil
}

// seedProject makes the i-th of n synthetic projects.
func seedProject(rng *mrand.Rand, i, n int, users []*projectd.User, ids map[string]int64, workspaces []*projectd.Workspace, first time.Time, span time.Duration, now time.Time) *projectd.Project {
	p := &projectd.Project{
		Name:        fmt.Sprintf("%s %s %d", adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))], i+1),
		Description: descriptions[rng.IntN(len(descriptions))],
		Status:      projectd.StatusActive,
	}
	if rng.IntN(10) == 0 {
		p.Status = projectd.StatusArchived
	}
	if len(workspaces) > 0 && rng.IntN(10) < 3 {
		ws := workspaces[rng.IntN(len(workspaces))]
		p.Workspace = ws.Name
		p.Owner = &projectd.User{ID: ids[ws.Members[rng.IntN(len(ws.Members))].Login]}
	} else {
		p.Owner = &projectd.User{ID: users[rng.IntN(len(users))].ID}
	}
	// Creation times rise with the id, as they do in a real store, with some jitter.
	p.CreatedAt = first.Add(time.Duration(float64(span) * (float64(i) + rng.Float64()) / float64(n)))
	p.UpdatedAt = p.CreatedAt.Add(time.Duration(rng.IntN(72)) * time.Hour)
	if p.UpdatedAt.After(now) {
		p.UpdatedAt = now
	}
	return p
}

// seedExt gives each project the fields of one surface, in turn.
func (e *environment) seedExt(rng *mrand.Rand, i int) json.RawMessage {
	return e.surfaces[i%len(e.surfaces)].Seed(rng, i)
}

var (
	firstNames   = []string{"Ann", "Bob", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivan", "Jun", "Kofi", "Lena"}
	lastNames    = []string{"Ivanova", "Smith", "Li", "Kowalski", "Okafor", "Garcia", "Nakamura", "Müller", "Rossi", "Haddad"}
	adjectives   = []string{"Quarterly", "Blue", "Open", "Silent", "Rapid", "Northern", "Daily", "Hidden", "Bright", "Final"}
	nouns        = []string{"report", "tumbler", "translation", "survey", "film", "catalogue", "campaign", "dataset", "study", "launch"}
	descriptions = []string{
		"", "Translation of the product catalogue into German.", "Label images of elephants by colour.",
		"Interactive film for the spring campaign.", "Custom tumbler designs for the team offsite.",
		"Speech transcripts for the media archive.",
	}
)
