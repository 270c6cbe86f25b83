package projectd

import (
	"context"
	"regexp"
	"time"
)

// Workspace member roles: owners manage membership and may change every project of the
// workspace; members see them.
const (
	WorkspaceRoleOwner  = "owner"
	WorkspaceRoleMember = "member"
)

var workspaceNamePattern = regexp.MustCompile(`^[a-z0-9-]{3,63}$`)

// Workspace groups projects that all its members can see.
type Workspace struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	CreatedAt time.Time         `json:"created_at"`
	CreatedBy *User             `json:"-"`
	UpdatedAt time.Time         `json:"updated_at"`
	UpdatedBy *User             `json:"-"`
	Members   []WorkspaceMember `json:"members"`
}

// WorkspaceMember is one user's membership of a workspace.
type WorkspaceMember struct {
	Login string `json:"login"`
	Role  string `json:"role"`
}

// ValidateWorkspaceName checks a workspace name against [a-z0-9-]{3,63}.
func ValidateWorkspaceName(name string) error {
	if !workspaceNamePattern.MatchString(name) {
		return Invalid("name", "name must match [a-z0-9-]{3,63}")
	}
	return nil
}

// ValidateWorkspaceRole checks a membership role.
func ValidateWorkspaceRole(role string) error {
	if role != WorkspaceRoleOwner && role != WorkspaceRoleMember {
		return Invalid("role", "role must be owner or member")
	}
	return nil
}

// WorkspaceService manages workspaces and their members. The caller comes from the context:
// members see their workspaces, admins all of them; only owners and admins change membership.
type WorkspaceService interface {
	// CreateWorkspace creates a workspace owned by the caller (an admin may name other
	// owners among members) and, in the same transaction, the given projects in it.
	CreateWorkspace(ctx context.Context, name string, members []WorkspaceMember, projects ...*ProjectCreate) (*Workspace, error)
	// CheckWorkspaceMember is nil for a member of the workspace (and for admins),
	// EFORBIDDEN for others, ENOTFOUND when there is no such workspace.
	CheckWorkspaceMember(ctx context.Context, name string) error
	FindWorkspace(ctx context.Context, name string) (*Workspace, error)
	ListWorkspaces(ctx context.Context) ([]*Workspace, error)
	SetWorkspaceMember(ctx context.Context, workspace, login, role string) (*WorkspaceMember, error)
	RemoveWorkspaceMember(ctx context.Context, workspace, login string) error
}
