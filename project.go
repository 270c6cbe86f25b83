package projectd

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Project statuses.
const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

// Limits on project fields; a value outside them is rejected, never truncated.
const (
	MaxNameLen        = 256
	MaxDescriptionLen = 10000
	MaxExtBytes       = 256 << 10
)

// Project is the one record every surface renders in its own shape.
type Project struct {
	ID          int64
	UID         string
	Name        string
	Description string
	Status      string
	Owner       *User
	Workspace   string // name; "" when the project belongs to no workspace
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   *User
	UpdatedBy   *User
	Version     int64
	Ext         json.RawMessage // a JSON object, one namespace per surface
}

// ETag is the entity tag of this version of the project.
func (p *Project) ETag() string { return `"` + p.UID + "." + strconv.FormatInt(p.Version, 10) + `"` }

// ProjectCreate is what a caller may set on a new project.
type ProjectCreate struct {
	Name        string
	Description string
	Status      string // "" means active
	Workspace   string // "" means none
	Owner       string // login or uid; "" means the caller; others only for admins
	Ext         json.RawMessage
	Rules       WorkspaceRules
}

// WorkspaceRules are conditions a surface declares for the projects it writes, which the
// store checks inside the write's transaction (so that concurrent writers cannot both
// pass them). Writes of other APIs do not ask for them.
type WorkspaceRules struct {
	// UniqueName refuses a name that another project of the workspace has (ECONFLICT on
	// "name").
	UniqueName bool
	// MaxProjects, when positive, is how many projects the workspace may hold (EINVALID
	// on "workspace").
	MaxProjects int
}

// ProjectUpdate is a partial change; nil fields stay as they are.
type ProjectUpdate struct {
	Name        *string
	Description *string
	Status      *string
	Workspace   *string         // "" removes the project from its workspace
	Owner       *string         // admins only
	Ext         json.RawMessage // an RFC 7396 merge patch applied to the stored ext
	Rules       WorkspaceRules  // UniqueName applies to a new name; MaxProjects to nothing
}

// ValidateName checks a project name: 1..256 characters of valid UTF-8.
func ValidateName(field, name string) error {
	if err := CheckText(field, name); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameLen {
		return Invalid(field, "%s must be 1 to %d characters, got %d", field, MaxNameLen, n)
	}
	if strings.TrimSpace(name) == "" {
		return Invalid(field, "%s must not be blank", field)
	}
	return nil
}

// ValidateDescription checks a description: at most 10,000 characters of valid UTF-8.
func ValidateDescription(field, s string) error {
	if err := CheckText(field, s); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > MaxDescriptionLen {
		return Invalid(field, "%s must be at most %d characters, got %d", field, MaxDescriptionLen, n)
	}
	return nil
}

// ValidateStatus checks a project status.
func ValidateStatus(field, s string) error {
	if s != StatusActive && s != StatusArchived {
		return Invalid(field, "%s must be active or archived", field)
	}
	return nil
}

// Validate checks every field of a new project but ext (see ExtValidators).
func (c *ProjectCreate) Validate() error {
	if err := ValidateName("name", c.Name); err != nil {
		return err
	}
	if err := ValidateDescription("description", c.Description); err != nil {
		return err
	}
	if c.Status != "" {
		if err := ValidateStatus("status", c.Status); err != nil {
			return err
		}
	}
	if c.Workspace != "" {
		if err := ValidateWorkspaceName(c.Workspace); err != nil {
			return Invalid("workspace", "workspace must match [a-z0-9-]{3,63}")
		}
	}
	return nil
}

// Validate checks every set field of an update but ext.
func (u *ProjectUpdate) Validate() error {
	if u.Name != nil {
		if err := ValidateName("name", *u.Name); err != nil {
			return err
		}
	}
	if u.Description != nil {
		if err := ValidateDescription("description", *u.Description); err != nil {
			return err
		}
	}
	if u.Status != nil {
		if err := ValidateStatus("status", *u.Status); err != nil {
			return err
		}
	}
	if u.Workspace != nil && *u.Workspace != "" {
		if err := ValidateWorkspaceName(*u.Workspace); err != nil {
			return Invalid("workspace", "workspace must match [a-z0-9-]{3,63}")
		}
	}
	return nil
}

// ProjectService stores projects. The caller comes from the context and visibility is
// enforced inside every query: admins see everything, members what they own and what
// their workspaces hold; a project the caller may not see is ENOTFOUND.
type ProjectService interface {
	// FindProject returns one project by numeric id or uid.
	FindProject(ctx context.Context, ref string) (*Project, error)
	ListProjects(ctx context.Context, q ProjectQuery) (*ProjectPage, error)
	// StreamProjects calls fn for each matching project, in order, without holding them
	// all in memory; q.Limit 0 means no limit.
	StreamProjects(ctx context.Context, q ProjectQuery, fn func(*Project) error) error
	CountProjects(ctx context.Context, f ProjectFilter) (int64, error)
	CreateProject(ctx context.Context, c *ProjectCreate) (*Project, error)
	// UpdateProject applies upd and bumps the version. A non-empty ifMatch makes it
	// conditional: it must be "*" or the current ETag, else EPRECONDITION.
	UpdateProject(ctx context.Context, ref string, upd *ProjectUpdate, ifMatch string) (*Project, error)
	DeleteProject(ctx context.Context, ref string, ifMatch string) error
}
