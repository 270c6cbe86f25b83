package sqlstore

import "projectd"

// The store implements every service of the domain.
var (
	_ projectd.ProjectService    = (*DB)(nil)
	_ projectd.WorkspaceService  = (*DB)(nil)
	_ projectd.OperationService  = (*DB)(nil)
	_ projectd.UserService       = (*DB)(nil)
	_ projectd.TokenService      = (*DB)(nil)
	_ projectd.CredentialService = (*DB)(nil)
	_ projectd.SessionService    = (*DB)(nil)
)
