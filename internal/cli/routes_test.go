package cli

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"testing"

	"projectd/compat"
	"projectd/compat/surfaces"
	"projectd/internal/testdb"
	"projectd/sqlstore"
)

// recordingMux records the patterns registered on it.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

func (m *recordingMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *recordingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// serverPatterns are the patterns of every route that serve registers.
func serverPatterns(t *testing.T, list []compat.Surface) []string {
	ext, err := compat.Extensions(list)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlstore.Open(context.Background(), testdb.Flavours[0].New(t), ext)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.MasterKey = make([]byte, 32)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var mounted []mountedSurface
	for _, s := range list {
		mounted = append(mounted, mountedSurface{s, s.Flags(fs)})
	}
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	routes(mux, store, slog.New(slog.NewTextHandler(io.Discard, nil)), "", nil, mounted)
	return mux.patterns
}

// compat/README.md lists every route of the server, no more and no less.
func TestRouteTable(t *testing.T) {
	readme, err := os.ReadFile("../../compat/README.md")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllSubmatch(readme, -1) {
		listed = append(listed, string(m[1]))
	}
	registered := serverPatterns(t, surfaces.All)
	for _, p := range registered {
		if !slices.Contains(listed, p) {
			t.Errorf("route %q is registered but not in compat/README.md", p)
		}
	}
	for _, p := range listed {
		if !slices.Contains(registered, p) {
			t.Errorf("compat/README.md lists %q, which serve does not register", p)
		}
	}
	if len(registered) < 40 {
		t.Fatalf("only %d routes registered", len(registered))
	}
}
