package compat

import (
	"context"
	"net/http"
	"strings"

	"projectd"
	"projectd/httpserver"
)

// View is one request that fetches a project through a surface.
type View struct {
	Format string // "JSON" or "XML"
	Path   string // path and query, escaped
	Accept string // the Accept header it sends ("" for none)
	// Credential is the headers a client sends to be the caller, with shell variables
	// for the secrets ("Authorization: OAuth $TOKEN"); Setup, if any, is the shell line
	// that sets the variables a request computes (a signature), with {path} for Path.
	Credential []string
	Setup      string
}

// ShowProject asks every surface for p as the caller a, through the server's own
// routes on mux (Delegate), so each answer is byte for byte what a client of the
// surface gets; base is the origin of the curl lines.
func ShowProject(ctx context.Context, mux httpserver.Mux, surfaces []Surface, a *projectd.Auth, base string, p *projectd.Project) ([]projectd.SurfaceView, error) {
	ctx = httpserver.Delegate(ctx, a)
	shown := []projectd.SurfaceView{} // an empty list, not null, when no surface names the project
	for _, s := range surfaces {
		if s.Views == nil {
			continue
		}
		for _, v := range s.Views(p) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+v.Path, nil)
			if err != nil {
				return nil, err
			}
			if v.Accept != "" {
				req.Header.Set("Accept", v.Accept)
			}
			rec := httpserver.NewRecorder()
			mux.ServeHTTP(rec, req)
			shown = append(shown, projectd.SurfaceView{Surface: s.Name, Title: s.Title, Format: v.Format, Path: v.Path,
				Status: rec.Status, ContentType: rec.Header().Get("Content-Type"), Body: rec.Body.String(), Curl: v.curl(base)})
		}
	}
	return shown, nil
}

// curl is the shell lines that fetch the view: its setup, then curl.
func (v View) curl(base string) []string {
	var lines []string
	if v.Setup != "" {
		lines = append(lines, strings.ReplaceAll(v.Setup, "{path}", v.Path))
	}
	line := "curl -s"
	headers := v.Credential
	if v.Accept != "" {
		headers = append(headers[:len(headers):len(headers)], "Accept: "+v.Accept)
	}
	for _, h := range headers {
		line += ` -H "` + h + `"`
	}
	return append(lines, line+" '"+base+v.Path+"'")
}
