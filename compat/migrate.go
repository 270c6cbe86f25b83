package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"projectd"
	"projectd/httpserver"
)

// Migration is how migrate pulls an account's projects out of a server that speaks the
// surface's API, through that API, as the surface's own clients would.
type Migration struct {
	// Credentials are the migrate flags the surface's clients authenticate with
	// ("token", "api-key", "access-key", "secret-key", "user-id", "workspace"); all are
	// required.
	Credentials []string
	// Pull calls yield for every project the credentials can see, in the order the API
	// lists them, each mapped to the core fields and the surface's ext namespace as the
	// surface's own writes would store it. It stops at the first error of the source or
	// of yield.
	Pull func(ctx context.Context, src *Source, yield func(*projectd.Migrated) error) error
}

// Source is the server migrate reads from.
type Source struct {
	URL  string // its origin, without a trailing slash
	HTTP *http.Client
	// Credential holds the values of the flags in Migration.Credentials; Workspaces the
	// workspaces given (NAVER names projects within workspaces only).
	Credential map[string]string
	Workspaces []string
	// Total, when the API tells how many projects there are, is told so.
	Total func(n int64)
}

// ErrSource is what every failure of the source matches: unreachable, refusing the
// credentials, or answering something that is not the API.
var ErrSource = errors.New("the source")

// Get fetches path from the source with headers and decodes its JSON answer into out.
// Its errors say which of the source's failures it was, with what the source said.
func (s *Source) Get(ctx context.Context, path string, headers map[string]string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return fmt.Errorf("%w: %s is not a URL: %v", ErrSource, s.URL, err)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s did not answer: %v", ErrSource, s.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("%w: reading GET %s: %v", ErrSource, path, err)
	}
	snippet := strings.TrimSpace(string(body[:min(len(body), 300)]))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w refused the credentials: GET %s answered %d: %s", ErrSource, path, resp.StatusCode, snippet)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: GET %s answered %d: %s", ErrSource, path, resp.StatusCode, snippet)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w does not answer as the API: GET %s is not its JSON (%v): %s", ErrSource, path, err, snippet)
	}
	return nil
}

// ExtOf wraps the members of a namespace as an ext document, in the order of members,
// leaving out those that are missing or null (unset).
func ExtOf(namespace string, members []string, values map[string]json.RawMessage) json.RawMessage {
	b := httpserver.AppendString([]byte(`{`), namespace)
	b = append(b, ":{"...)
	first := true
	for _, name := range members {
		raw, ok := values[name]
		if !ok || string(raw) == "null" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = httpserver.AppendString(b, name)
		b = append(b, ':')
		b = append(b, raw...)
	}
	return append(b, "}}"...)
}
