package ncpmaiu

import "testing"

// The spec's test vector, computed independently of projectd.
func TestSignVector(t *testing.T) {
	secret := []byte("SECRETEXAMPLE456")
	for uri, want := range map[string]string{
		"/api/v1/workspaces/my-workspace/projects":     "7x0oWd6JfCc+Faxes/Q4HImbZJF7i9h0/xiu5BJr0vc=",
		"/api/v1/workspaces/my-workspace/projects?x=1": "vmnYjIM6i8fBZjwuw13w1rZqyIhRqe3xUG60IrVZOi0=",
	} {
		if got := Sign(secret, "GET", uri, "1700000000000", "AKIAEXAMPLE123"); got != want {
			t.Errorf("%s: got %s, want %s", uri, got, want)
		}
	}
}
