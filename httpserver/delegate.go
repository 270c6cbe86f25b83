package httpserver

import (
	"bytes"
	"context"
	"net/http"

	"projectd"
)

type delegateKey struct{}

// Delegate returns ctx for a request that the server makes to itself on behalf of a
// caller it has authenticated already (the console's view of a project through each
// surface): every surface's authentication takes such a request as that caller, with
// no credential of its own. Only code in the server can put this into a context.
//
// The request gets an access note of its own: the outer request is the one logged.
func Delegate(ctx context.Context, a *projectd.Auth) context.Context {
	ctx = context.WithValue(ctx, accessNoteKey{}, &accessNote{})
	return context.WithValue(ctx, delegateKey{}, a)
}

// Delegated returns the caller a request is made for in-process (Delegate), or nil.
func Delegated(ctx context.Context) *projectd.Auth {
	a, _ := ctx.Value(delegateKey{}).(*projectd.Auth)
	return a
}

// Recorder is the response of an in-process request: status, headers and body.
type Recorder struct {
	Status int
	header http.Header
	Body   bytes.Buffer
}

// NewRecorder returns an empty response.
func NewRecorder() *Recorder { return &Recorder{header: http.Header{}} }

func (r *Recorder) Header() http.Header { return r.header }

func (r *Recorder) WriteHeader(status int) {
	if r.Status == 0 {
		r.Status = status
	}
}

func (r *Recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.Body.Write(p)
}
