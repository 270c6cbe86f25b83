package testserver

import (
	"encoding/json"
	"net/http"
)

// ProjectJSON is a project of the native API.
type ProjectJSON struct {
	ID          int64  `json:"id"`
	UID         string `json:"uid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Owner       struct {
		Login string `json:"login"`
	} `json:"owner"`
	Workspace *string         `json:"workspace"`
	CreatedAt string          `json:"created_at"`
	UpdatedBy string          `json:"updated_by"`
	Version   int64           `json:"version"`
	Ext       json.RawMessage `json:"ext"`
}

// PageJSON is a page of the native API.
type PageJSON struct {
	Items      []ProjectJSON `json:"items"`
	HasMore    bool          `json:"has_more"`
	NextCursor *string       `json:"next_cursor"`
	Total      *int64        `json:"total"`
}

// Create makes a project through the native API.
func (s *Server) Create(token, body string) ProjectJSON {
	s.T.Helper()
	r := s.Do("POST", "/api/projects", token, body)
	if r.StatusCode != http.StatusCreated {
		s.T.Fatalf("create %s: %d %s", body, r.StatusCode, r.Body)
	}
	var p ProjectJSON
	r.JSON(s.T, &p)
	return p
}

// List reads a page of the native API.
func (s *Server) List(token, query string) PageJSON {
	s.T.Helper()
	r := s.Do("GET", "/api/projects?"+query, token, "")
	if r.StatusCode != http.StatusOK {
		s.T.Fatalf("list %s: %d %s", query, r.StatusCode, r.Body)
	}
	var p PageJSON
	r.JSON(s.T, &p)
	return p
}

// IDs are the ids of projects.
func IDs(ps []ProjectJSON) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
