package console_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// chromium is Debian's browser, which the end-to-end tests drive with playwright-core.
const chromium = "/usr/bin/chromium"

// needBrowser skips the test, saying what it needs, when Chromium, Node.js or the e2e
// folder's packages are missing; with PROJECTD_REQUIRE_BROWSER set (CI) it fails instead.
func needBrowser(t *testing.T) {
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, "Debian's chromium (apt-get install chromium)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "Node.js")
	}
	if _, err := os.Stat("e2e/node_modules/playwright-core"); err != nil {
		missing = append(missing, "the e2e packages (cd console/e2e && npm ci)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "the console's browser tests need " + strings.Join(missing, ", ")
	if os.Getenv("PROJECTD_REQUIRE_BROWSER") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipped (PROJECTD_REQUIRE_BROWSER=1 makes this a failure)")
}

// demoUser creates a user with a password for the browser to sign in with.
func demoUser(t *testing.T, s *testserver.Server, login, password string, admin bool) string {
	token := s.User(login, admin)
	var out, errs bytes.Buffer
	if err := s.Program.Run(context.Background(), []string{"user", "passwd", "--login", login}, s.Getenv, strings.NewReader(password+"\n"), &out, &errs); err != nil {
		t.Fatalf("passwd %s: %v %s", login, err, errs.String())
	}
	return token
}

// TestConsoleInChromium runs the end-to-end tests of e2e/ (node --test, playwright-core)
// in Chromium against serve on a fresh store: ada is an admin, ann owns the workspace
// studio with bob in it, and bob has a private project ann must never see. Screenshots
// go to e2e/screenshots/.
func TestConsoleInChromium(t *testing.T) {
	needBrowser(t)
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	demoUser(t, s, "ada", "ada password", true)
	ann := demoUser(t, s, "ann", "ann password", false)
	bob := demoUser(t, s, "bob", "bob password", false)
	s.Do("POST", "/api/workspaces", ann, `{"name":"studio","members":[{"login":"bob","role":"member"}]}`)
	for i := 1; i <= 23; i++ {
		workspace := ""
		if i%3 == 0 {
			workspace = `,"workspace":"studio"`
		}
		s.Create(ann, fmt.Sprintf(`{"name":"Ann's project %02d","description":"batch %d"%s,"ext":{"tasks":{"private_comment":"note %d"}}}`, i, i%4, workspace, i))
	}
	s.Create(ann, `{"name":"Elephant color","workspace":"studio","ext":{"tervis":{"Status":2,"SiteCode":"TRV"},"textking":{"state":"prepared"}}}`)
	secret := s.Create(bob, `{"name":"Bob's secret plan","description":"private to bob"}`)
	appKey := strings.TrimSpace(s.CLI("appkey", "create", "--name", "e2e"))

	shots, err := filepath.Abs("e2e/screenshots")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	files, err := filepath.Glob("e2e/*.test.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no browser tests in e2e/: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	cmd := exec.CommandContext(ctx, "node", append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, files...)...)
	cmd.Dir = "e2e"
	cmd.Env = append(os.Environ(), "PROJECTD_BASE="+s.Base, "PROJECTD_CHROMIUM="+chromium, "PROJECTD_SCREENSHOTS="+shots,
		"PROJECTD_ANN_TOKEN="+ann, "PROJECTD_APP_KEY="+appKey, fmt.Sprintf("PROJECTD_SECRET_ID=%d", secret.ID))
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("the browser tests failed: %v", err)
	}
}
