package testserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"projectd/api"
	"projectd/compat"
)

// Response is an answer of the server, already read.
type Response struct {
	*http.Response
	Body []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s: %v", r.Body, err)
	}
}

// NewRequest is a request with Authorization: Bearer token (when given), a JSON body
// (when given) and headers as name, value pairs.
func NewRequest(method, url, token, body string, headers ...string) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req, nil
}

// Do sends a request (with Authorization: Bearer token, when given, and headers as
// name, value pairs) and checks the answer against the OpenAPI document of its route:
// its status must be documented and its body match the schema.
func (s *Server) Do(method, path, token, body string, headers ...string) *Response {
	s.T.Helper()
	req, err := NewRequest(method, s.Base+path, token, body, headers...)
	if err != nil {
		s.T.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.T.Fatal(err)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		s.T.Errorf("%s %s: no X-Request-Id", method, path)
	}
	s.checkOpenAPI(req, resp, b)
	return &Response{resp, b}
}

// Document is an OpenAPI document that serve answers.
type Document struct {
	Name string // "api" for the native API, else the surface's name
	Doc  []byte
}

// Documents are the native API's document and those of surfaces, as serve answers them.
func Documents(t testing.TB, surfaces []compat.Surface) []Document {
	ext, err := compat.Extensions(surfaces)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var docs []Document
	for _, s := range surfaces {
		names = append(names, s.Name)
		docs = append(docs, Document{s.Name, s.OpenAPI})
	}
	return append([]Document{{"api", api.OpenAPIDocument(ext, names)}}, docs...)
}

// routerCache holds the routers of each set of documents, loaded and validated once.
var routerCache sync.Map // names joined -> func() ([]routers.Router, error)

func openAPIRouters(t testing.TB, docs []Document) []routers.Router {
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	load, _ := routerCache.LoadOrStore(strings.Join(names, ","), sync.OnceValues(func() ([]routers.Router, error) {
		var out []routers.Router
		for _, d := range docs {
			doc, err := openapi3.NewLoader().LoadFromData(d.Doc)
			if err == nil {
				err = doc.Validate(context.Background())
			}
			var router routers.Router
			if err == nil {
				router, err = gorillamux.NewRouter(doc)
			}
			if err != nil {
				return nil, fmt.Errorf("the OpenAPI document of %s is not valid: %w", d.Name, err)
			}
			out = append(out, router)
		}
		return out, nil
	}))
	rs, err := load.(func() ([]routers.Router, error))()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// checkOpenAPI validates a response against the document whose route it is. A native
// path that no document routes must be a 404; other unrouted paths are the surfaces'
// catch-alls (checked by their own tests).
func (s *Server) checkOpenAPI(req *http.Request, resp *http.Response, body []byte) {
	s.T.Helper()
	for _, router := range openAPIRouters(s.T, Documents(s.T, s.Program.Surfaces)) {
		route, params, err := router.FindRoute(req)
		if err != nil {
			continue
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 resp.StatusCode,
			Header:                 resp.Header,
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			s.T.Errorf("%s %s: response does not match its OpenAPI document: %.2000s\n%.2000s", req.Method, req.URL.Path, err, body)
		}
		return
	}
	native := strings.HasPrefix(req.URL.Path, "/api/") && !strings.HasPrefix(req.URL.Path, "/api/v1/")
	if native && resp.StatusCode != http.StatusNotFound {
		s.T.Errorf("%s %s answered %d but is in no OpenAPI document", req.Method, req.URL.Path, resp.StatusCode)
	}
}

// Problem is the RFC 9457 body of an error of the native API.
type Problem struct {
	Status        int    `json:"status"`
	Detail        string `json:"detail"`
	InvalidParams []struct {
		Name string `json:"name"`
	} `json:"invalid_params"`
}

// WantProblem checks an error answer of the native API: status, problem+json and the
// named parameter ("" for none).
func (r *Response) WantProblem(t *testing.T, status int, param string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p Problem
	r.JSON(t, &p)
	if p.Status != status || p.Detail == "" {
		t.Fatalf("problem body %s", r.Body)
	}
	if param != "" && (len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != param) {
		t.Fatalf("problem names %+v, want %q: %s", p.InvalidParams, param, r.Body)
	}
}
