package surfaces_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"projectd"
	"projectd/compat"
	"projectd/compat/surfaces"
	"projectd/httpserver"
	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// echo is a surface defined here alone: one route listing the caller's project names,
// an ext namespace whose color must be a string, an OpenAPI document, demo data and a
// seed shape. Adding it to the list is all that serve needs.
var echo = compat.Surface{
	Name:    "echo",
	Title:   "Echo",
	OpenAPI: []byte(echoOpenAPI),
	Ext: projectd.ExtNamespace{Name: "echo", Validate: func(ns json.RawMessage) error {
		var v struct{ Color any }
		if json.Unmarshal(ns, &v) != nil {
			return projectd.Invalid("", "ext.echo must be an object")
		}
		if _, ok := v.Color.(string); v.Color != nil && !ok {
			return projectd.Invalid("color", "color must be a string")
		}
		return nil
	}},
	Flags: compat.Routes(func(mux httpserver.Mux, env compat.Env) {
		mux.HandleFunc("GET /echo/projects", func(w http.ResponseWriter, r *http.Request) {
			a, err := env.Store.Authenticate(r.Context(), httpserver.Credential(r, "Bearer"))
			if err != nil {
				http.Error(w, "who are you?", http.StatusUnauthorized)
				return
			}
			page, err := env.Store.ListProjects(projectd.NewContextWithAuth(r.Context(), a), projectd.ProjectQuery{})
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			var names []string
			for _, p := range page.Projects {
				names = append(names, p.Name)
			}
			b, _ := json.Marshal(names)
			httpserver.WriteJSON(w, http.StatusOK, b)
		})
	}),
	Demo: compat.Demo{
		Projects: []projectd.ProjectCreate{{Name: "Echo demo", Ext: json.RawMessage(`{"echo":{"color":"red"}}`)}},
		Lines: func(_ context.Context, d compat.DemoEnv) ([]string, error) {
			return []string{"Echo:", fmt.Sprintf("  curl -s -H 'Authorization: Bearer %s' '%s/echo/projects'", d.Token, d.Base)}, nil
		},
	},
	Seed: func(*rand.Rand, int) json.RawMessage { return json.RawMessage(`{"echo":{"color":"blue"}}`) },
}

const echoOpenAPI = `{"openapi": "3.1.0", "info": {"title": "echo", "version": "1"},
 "paths": {"/echo/projects": {"get": {"responses": {
  "200": {"description": "names", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}},
  "401": {"description": "no token"}}}}}}`

func TestOneLineSurface(t *testing.T) {
	program := cli.Program{Surfaces: append(slices.Clone(surfaces.All), echo)}
	s := testserver.StartProgram(t, program, testdb.Flavours[0].New(t), "--demo")
	// The demo printed its lines and loaded its project.
	m := regexp.MustCompile(`Echo:\n  curl -s -H 'Authorization: Bearer (\S+)' '(\S+)'`).FindStringSubmatch(s.Stdout.String())
	if m == nil {
		t.Fatalf("serve --demo printed no Echo lines:\n%s", s.Stdout.String())
	}
	var names []string
	r := s.Do("GET", strings.TrimPrefix(m[2], s.Base), m[1], "")
	r.JSON(t, &names)
	if r.StatusCode != 200 || !slices.Contains(names, "Echo demo") {
		t.Fatalf("GET /echo/projects: %d %v", r.StatusCode, names)
	}
	if r := s.Do("GET", "/echo/projects", "", ""); r.StatusCode != 401 {
		t.Fatalf("anonymous: %d", r.StatusCode)
	}
	// Its namespace is validated on every write, here through the native API.
	s.Do("POST", "/api/projects", m[1], `{"name":"x","ext":{"echo":{"color":5}}}`).WantProblem(t, 400, "ext.echo.color")
	if r := s.Do("POST", "/api/projects", m[1], `{"name":"y","ext":{"echo":{"color":"green"}}}`); r.StatusCode != 201 {
		t.Fatalf("a valid echo ext: %d %s", r.StatusCode, r.Body)
	}
	// Its OpenAPI document is served.
	if r := s.Do("GET", "/api/openapi/echo.json", "", ""); r.StatusCode != 200 || string(r.Body) != echoOpenAPI {
		t.Fatalf("its OpenAPI document: %d %s", r.StatusCode, r.Body)
	}
	// seed shapes every sixth project for it.
	s.CLI("seed", "--users", "2", "--workspaces", "0", "--projects", "12")
	out := s.CLI("export")
	if n := strings.Count(out, `{\"echo\":{\"color\":\"blue\"}}`) + strings.Count(out, `"echo":{"color":"blue"}`); n != 2 {
		t.Fatalf("seed made %d echo projects of 12, want 2", n)
	}
}
