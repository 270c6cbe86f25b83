package httpserver

import (
	"context"
	"net/http"
)

// accessNote is what the access log and the Observer learn only once a request is routed
// and authenticated: the surface that served it, the caller's user id or why the caller
// was refused. Middleware puts an empty one in the context; the surface's mux and the
// authentication fill it in.
type accessNote struct {
	surface     string
	user        int64
	authFailure AuthFailure
}

type accessNoteKey struct{}

func noteOf(ctx context.Context) *accessNote {
	n, _ := ctx.Value(accessNoteKey{}).(*accessNote)
	if n == nil {
		return &accessNote{} // outside Middleware (a handler under test): noted and dropped
	}
	return n
}

// NoteUser records the authenticated caller of the request for its access log line.
func NoteUser(ctx context.Context, id int64) { noteOf(ctx).user = id }

// SurfaceMux registers routes on Mux and notes, for the access log, that Surface serves
// every request they match.
type SurfaceMux struct {
	Mux
	Surface string
}

func (m SurfaceMux) Handle(pattern string, h http.Handler) {
	m.Mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noteOf(r.Context()).surface = m.Surface
		h.ServeHTTP(w, r)
	}))
}

func (m SurfaceMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}
