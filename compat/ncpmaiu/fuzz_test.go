package ncpmaiu

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"projectd"
)

// keyStore knows one access key.
type keyStore struct{ Store }

const fuzzKey, fuzzSecret = "AKIAEXAMPLE123", "SECRETEXAMPLE456"

func (keyStore) FindAccessKey(_ context.Context, key string) (*projectd.Auth, []byte, error) {
	if key == fuzzKey {
		return &projectd.Auth{User: &projectd.User{ID: 1, Login: "ann"}, Scopes: []string{projectd.ScopeRead}}, []byte(fuzzSecret), nil
	}
	return nil, nil, projectd.Errorf(projectd.EUNAUTHORIZED, "unknown access key")
}

// The signature headers never panic the gateway, and it lets through only a request
// signed with the key's secret over its method, URI and a timestamp in the window.
func FuzzSignatureHeaders(f *testing.F) {
	now := time.UnixMilli(1700000000000)
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	uri := "/api/v1/workspaces/my-workspace/projects"
	f.Add("GET", uri, ts, fuzzKey, Sign([]byte(fuzzSecret), "GET", uri, ts, fuzzKey))
	f.Add("GET", uri+"?x=1", ts, fuzzKey, "vmnYjIM6i8fBZjwuw13w1rZqyIhRqe3xUG60IrVZOi0=")
	f.Add("POST", uri, "yesterday", "", "")
	f.Add("GET", uri, "99999999999999999999", fuzzKey, "x")
	h := &Handler{store: keyStore{}, logger: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, method, target, timestamp, key, signature string) {
		if method == "" || len(target) == 0 || target[0] != '/' {
			return
		}
		r, err := newRequest(method, target)
		if err != nil {
			return
		}
		r.Header.Set("x-ncp-apigw-timestamp", timestamp)
		r.Header.Set("x-ncp-iam-access-key", key)
		r.Header.Set("x-ncp-apigw-signature-v2", signature)
		user, at, _, gwErr, err := h.verify(r)
		if err != nil {
			t.Fatalf("a store that answers gave an internal error: %v", err)
		}
		if gwErr != nil {
			if gwErr.status != 401 || gwErr.details == "" {
				t.Fatalf("gateway error %+v", gwErr)
			}
			return
		}
		if user == nil || key != fuzzKey || signature != Sign([]byte(fuzzSecret), r.Method, r.RequestURI, timestamp, key) || at.Sub(now).Abs() > Window {
			t.Fatalf("accepted %s %s ts %q key %q sig %q", method, target, timestamp, key, signature)
		}
	})
}

func newRequest(method, target string) (r *http.Request, err error) {
	defer func() {
		if recover() != nil { // httptest.NewRequest panics on what a server would never parse
			r, err = nil, errBadRequest
		}
	}()
	return httptest.NewRequest(method, target, nil), nil
}

var errBadRequest = projectd.Errorf(projectd.EINVALID, "not a request")

func FuzzValidateExt(f *testing.F) {
	for _, s := range []string{`{"isBaseProject":true,"bucketName":"b"}`, `{"isBaseProject":"yes"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ns []byte) {
		if err := ValidateExt(ns); err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", ns, err)
		}
	})
}
