// Package client is a Go client for projectd's native API: typed methods for its routes,
// lists as iterators that follow cursors, conditional updates with ETags, errors that
// carry the API's problem documents, and retries of safe requests on 429 and 503.
//
//	c := client.New("http://127.0.0.1:8080", token)
//	for p, err := range c.Projects(ctx, client.ListOptions{Status: "active"}) {
//		...
//	}
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Client calls one projectd server with one bearer token. Its zero value is not usable;
// make one with New. A Client is safe for concurrent use.
type Client struct {
	// BaseURL is the server's origin, such as http://127.0.0.1:8080.
	BaseURL string
	// Token is the bearer token every request carries.
	Token string
	// HTTPClient sends the requests (http.DefaultClient when nil).
	HTTPClient *http.Client
	// Retries is how many times a request that is safe to repeat (GET, PUT, DELETE) is
	// sent again after a 429 or 503, waiting as Retry-After says or, without it, with
	// exponential backoff from RetryWait. New sets 3; 0 never retries.
	Retries int
	// RetryWait is the first backoff (New sets 200 ms); MaxRetryWait caps every wait,
	// Retry-After's too (New sets 30 s).
	RetryWait, MaxRetryWait time.Duration
}

// New returns a client of the server at baseURL that authenticates with token.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimSuffix(baseURL, "/"), Token: token, Retries: 3,
		RetryWait: 200 * time.Millisecond, MaxRetryWait: 30 * time.Second}
}

// Errors that an *Error matches with errors.Is, by its status.
var (
	ErrInvalid      = errors.New("projectd: invalid request")        // 400
	ErrUnauthorized = errors.New("projectd: not authenticated")      // 401
	ErrForbidden    = errors.New("projectd: forbidden")              // 403
	ErrNotFound     = errors.New("projectd: not found")              // 404
	ErrConflict     = errors.New("projectd: conflict")               // 409
	ErrStale        = errors.New("projectd: changed since its ETag") // 412
	ErrTooMany      = errors.New("projectd: too many requests")      // 429
)

var statusErrors = map[int]error{
	http.StatusBadRequest: ErrInvalid, http.StatusUnauthorized: ErrUnauthorized, http.StatusForbidden: ErrForbidden,
	http.StatusNotFound: ErrNotFound, http.StatusConflict: ErrConflict, http.StatusPreconditionFailed: ErrStale,
	http.StatusTooManyRequests: ErrTooMany,
}

// Error is a refusal of the API: its RFC 9457 problem document.
type Error struct {
	Status        int            `json:"status"`
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Detail        string         `json:"detail"`
	InvalidParams []InvalidParam `json:"invalid_params"`
	// RetryAfter is what the server asked to wait, for a 429 or 503 (0: nothing).
	RetryAfter time.Duration `json:"-"`
}

// InvalidParam names a parameter or field the request got wrong, and why.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Error is the problem's detail (or title) with its status.
func (e *Error) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	return fmt.Sprintf("projectd: %d %s", e.Status, msg)
}

// Is matches the sentinel error of the status (ErrNotFound for a 404, …).
func (e *Error) Is(target error) bool { return statusErrors[e.Status] == target }

// Param returns the reason given for the named parameter, and whether there is one.
func (e *Error) Param(name string) (string, bool) {
	for _, p := range e.InvalidParams {
		if p.Name == name {
			return p.Reason, true
		}
	}
	return "", false
}

// ConflictError is the refusal of a conditional write (If-Match) because the project
// changed since the ETag the caller had: read it again and decide.
type ConflictError struct {
	Problem *Error // the server's 412
	ETag    string // the tag the write was conditioned on
}

// Error names the ETag the write was conditioned on.
func (e *ConflictError) Error() string {
	return "projectd: the project changed since " + e.ETag + ": " + e.Problem.Detail
}

// Unwrap makes a ConflictError match ErrStale and errors.As(err, **Error).
func (e *ConflictError) Unwrap() error { return e.Problem }

// request is one call: its method, path (with query), body and headers.
type request struct {
	method, path string
	body         any
	header       http.Header
}

// do sends r and decodes a 2xx answer's JSON into out (unless nil); any other answer is
// an *Error. It retries safe requests as Retries says.
func (c *Client) do(ctx context.Context, r request, out any) (http.Header, error) {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return nil, err
		}
	}
	safe := r.method == http.MethodGet || r.method == http.MethodPut || r.method == http.MethodDelete
	for attempt := 0; ; attempt++ {
		header, err := c.send(ctx, r, body, out)
		var apiErr *Error
		if !safe || attempt >= c.Retries || !errors.As(err, &apiErr) ||
			(apiErr.Status != http.StatusTooManyRequests && apiErr.Status != http.StatusServiceUnavailable) {
			return header, err
		}
		wait := apiErr.RetryAfter
		if wait == 0 {
			wait = c.RetryWait << attempt
			wait += rand.N(wait/2 + 1) // jitter, so that clients refused together do not return together
		}
		wait = min(wait, c.MaxRetryWait)
		select {
		case <-ctx.Done():
			return header, err
		case <-time.After(wait):
		}
	}
}

func (c *Client) send(ctx context.Context, r request, body []byte, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.BaseURL+r.path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.Header, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		return resp.Header, problem(resp, data)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, fmt.Errorf("projectd: %s %s: decoding the answer: %w", r.method, r.path, err)
		}
	}
	return resp.Header, nil
}

// problem makes the *Error of a refusal; an answer that is no problem document (a proxy's
// page) keeps its status and the start of its body.
func problem(resp *http.Response, data []byte) error {
	e := &Error{}
	if json.Unmarshal(data, e) != nil || e.Status == 0 {
		text := strings.TrimSpace(string(data))
		if len(text) > 200 {
			text = text[:200]
		}
		e = &Error{Title: http.StatusText(resp.StatusCode), Detail: text}
	}
	e.Status = resp.StatusCode
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}
