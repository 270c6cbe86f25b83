package projectd

import (
	"strings"
	"time"
)

// Sort fields of the core model. An indexed ext path sorts as "ext.<path>".
const (
	SortID      = "id"
	SortName    = "name"
	SortCreated = "created"
	SortUpdated = "updated"
)

// List limits shared by every surface unless its spec says otherwise.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// ProjectFilter narrows a list. Zero values mean "no condition".
type ProjectFilter struct {
	Status    string
	Owner     string // a uid, or else a login
	OwnerID   int64
	Workspace string
	Name      string // the exact name
	IDGt      *int64
	IDGte     *int64
	IDLt      *int64
	IDLte     *int64

	CreatedGt, CreatedGte, CreatedLt, CreatedLte *time.Time
	UpdatedGt, UpdatedGte, UpdatedLt, UpdatedLte *time.Time

	Q   string     // case-insensitive substring of name or description
	Ext []ExtEqual // equality on indexed ext paths
}

// ExtEqual is a condition ext.<Path> = Value on an indexed ext path.
type ExtEqual struct {
	Path  string
	Value any // string, int64 or bool, as the path's IndexedPath says
}

// SortKey is one field of a sort order.
type SortKey struct {
	Field string
	Desc  bool
}

// ProjectQuery is the one list query every surface translates its parameters into.
type ProjectQuery struct {
	Filter ProjectFilter
	Sort   []SortKey // id is appended as the final tie-breaker by Normalize
	Limit  int       // 0 means DefaultLimit in ListProjects, no limit in StreamProjects
	Offset int       // offset paging; exclusive with After
	After  []any     // keyset paging: the sort values (one per Sort key) of the last row seen
	Count  bool      // also count every match (ProjectPage.Total)
}

// ProjectPage is one page of a list.
type ProjectPage struct {
	Projects []*Project
	HasMore  bool
	Total    int64 // set when the query asked for a count
}

// SortKind returns the kind of value a sort field holds, whether it is a time, or an
// error for a field lists cannot sort by.
func (x *Extensions) SortKind(field string) (ExtKind, bool, error) {
	switch field {
	case SortID:
		return ExtInt, false, nil
	case SortName:
		return ExtText, false, nil
	case SortCreated, SortUpdated:
		return ExtInt, true, nil
	}
	if path, ok := strings.CutPrefix(field, "ext."); ok {
		if idx, ok := x.paths[path]; ok && idx.Kind != ExtBool {
			return idx.Kind, false, nil
		}
	}
	return 0, false, Invalid("sort", "cannot sort by %q", field)
}

// Normalize validates q against the indexed paths of x and appends the id tie-breaker
// to its sort.
func (q *ProjectQuery) Normalize(x *Extensions) error {
	if q.Limit < 0 {
		return Invalid("limit", "limit must not be negative")
	}
	if q.Offset < 0 {
		return Invalid("offset", "offset must not be negative")
	}
	hasID := false
	for _, k := range q.Sort {
		if _, _, err := x.SortKind(k.Field); err != nil {
			return err
		}
		if k.Field == SortID {
			hasID = true
			break // id is unique: later keys can never matter
		}
	}
	if !hasID {
		q.Sort = append(q.Sort, SortKey{Field: SortID, Desc: len(q.Sort) > 0 && q.Sort[len(q.Sort)-1].Desc})
	}
	for i, k := range q.Sort {
		if k.Field == SortID {
			q.Sort = q.Sort[:i+1]
			break
		}
	}
	if q.After != nil && len(q.After) != len(q.Sort) {
		return Invalid("cursor", "cursor does not match the sort order")
	}
	if q.After != nil && q.Offset > 0 {
		return Invalid("offset", "offset and cursor cannot be combined")
	}
	f := &q.Filter
	for field, s := range map[string]string{"q": f.Q, "owner": f.Owner, "workspace": f.Workspace, "name": f.Name} {
		if err := CheckText(field, s); err != nil {
			return err
		}
	}
	if f.Status != "" {
		if err := ValidateStatus("status", f.Status); err != nil {
			return err
		}
	}
	for _, e := range f.Ext {
		idx, ok := x.paths[e.Path]
		kind := idx.Kind
		if !ok {
			return Invalid("ext", "ext.%s is not an indexed path", e.Path)
		}
		var typeOK bool
		switch e.Value.(type) {
		case string:
			typeOK = kind == ExtText
		case int64:
			typeOK = kind == ExtInt
		case bool:
			typeOK = kind == ExtBool
		}
		if !typeOK {
			return Invalid("ext."+e.Path, "ext.%s takes a value of another type, got %T", e.Path, e.Value)
		}
	}
	return nil
}

// SortValue returns the value of a sort field for p, as the keyset of a cursor holds it:
// int64 for id and int paths, string for name and text paths, time.Time for dates; an
// unset indexed path has its default.
func (x *Extensions) SortValue(p *Project, field string) any {
	switch field {
	case SortID:
		return p.ID
	case SortName:
		return p.Name
	case SortCreated:
		return p.CreatedAt
	case SortUpdated:
		return p.UpdatedAt
	}
	path := strings.TrimPrefix(field, "ext.")
	idx := x.paths[path]
	switch v := ExtValue(p.Ext, path).(type) {
	case string:
		return v
	case interface{ Int64() (int64, error) }:
		if n, err := v.Int64(); err == nil {
			return n
		}
	}
	return idx.Default
}

// Keyset returns the values of p for every key of sort, for a cursor after p.
func (x *Extensions) Keyset(p *Project, sort []SortKey) []any {
	out := make([]any, len(sort))
	for i, k := range sort {
		out[i] = x.SortValue(p, k.Field)
	}
	return out
}
