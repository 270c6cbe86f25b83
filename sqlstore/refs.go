package sqlstore

import (
	"context"
	"strconv"
	"sync"

	"projectd"
)

// refCache holds, by id, the users and workspace names that project pages embed. projectd
// never changes or deletes a user or a workspace once it exists (members change, names and
// people do not), so an entry cannot go stale and every replica may keep its own. A page
// then reads the projects table alone and asks the database only for ids it has not seen:
// four index lookups per row fewer, which on distributed SQL are lookups across ranges.
type refCache struct {
	mu         sync.RWMutex
	users      map[int64]projectd.User
	workspaces map[int64]string
	owners     map[string]int64 // user ids by login and by uid, for owner filters
	counts     lookups          // rows filled from the cache, rows that needed the database
}

func (c *refCache) ownerID(ref string) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.owners[ref]
	return id, ok
}

func (c *refCache) keepOwnerID(ref string, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.owners == nil || len(c.owners) >= maxCachedRefs {
		c.owners = map[string]int64{}
	}
	c.owners[ref] = id
}

// maxCachedRefs bounds each map; a full map starts again empty. A variable for tests.
var maxCachedRefs = 100_000

// projectRefs are the ids a project row names, until fill replaces them with their rows;
// workspace 0 is none.
type projectRefs struct {
	owner, createdBy, updatedBy, workspace int64
}

// fill sets the owner, creator, editor and workspace of each project from refs[i]. Rows
// whose refs are all cached are filled at once; the others are read from the database,
// every id of such a row, so that a concurrent load emptying the cache cannot leave one out.
func (c *refCache) fill(ctx context.Context, db *DB, projects []*projectd.Project, refs []projectRefs) error {
	var pending []int
	c.mu.RLock()
	for i, r := range refs {
		if !setRefs(projects[i], r, c.users, c.workspaces) {
			pending = append(pending, i)
		}
	}
	c.mu.RUnlock()
	c.counts.count(len(refs)-len(pending), len(pending))
	if len(pending) == 0 {
		return nil
	}
	var userIDs, workspaceIDs []int64
	seenUsers, seenWorkspaces := map[int64]bool{}, map[int64]bool{}
	for _, i := range pending {
		r := refs[i]
		for _, id := range [3]int64{r.owner, r.createdBy, r.updatedBy} {
			if !seenUsers[id] {
				seenUsers[id] = true
				userIDs = append(userIDs, id)
			}
		}
		if r.workspace != 0 && !seenWorkspaces[r.workspace] {
			seenWorkspaces[r.workspace] = true
			workspaceIDs = append(workspaceIDs, r.workspace)
		}
	}
	users, workspaces, err := c.load(ctx, db, userIDs, workspaceIDs)
	if err != nil {
		return err
	}
	for _, i := range pending {
		if !setRefs(projects[i], refs[i], users, workspaces) {
			// Foreign keys keep every id a project names; a missing one is a broken store.
			return projectd.Errorf(projectd.EINTERNAL, "project %d names a user or workspace that does not exist", projects[i].ID)
		}
	}
	return nil
}

// setRefs fills p from r if users and workspaces hold every id r names.
func setRefs(p *projectd.Project, r projectRefs, users map[int64]projectd.User, workspaces map[int64]string) bool {
	owner, ok1 := users[r.owner]
	createdBy, ok2 := users[r.createdBy]
	updatedBy, ok3 := users[r.updatedBy]
	var workspace string
	ok4 := true
	if r.workspace != 0 {
		workspace, ok4 = workspaces[r.workspace]
	}
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false
	}
	// Copies: a page's users are its own to change, and creator and editor carry only the
	// fields that a joined read gives them.
	p.Owner = &owner
	p.CreatedBy = &projectd.User{ID: createdBy.ID, UID: createdBy.UID, Login: createdBy.Login, Email: createdBy.Email}
	p.UpdatedBy = &projectd.User{ID: updatedBy.ID, UID: updatedBy.UID, Login: updatedBy.Login, Email: updatedBy.Email}
	p.Workspace = workspace
	return true
}

// load reads the users and workspaces with these ids, and keeps them in the cache.
func (c *refCache) load(ctx context.Context, db *DB, userIDs, workspaceIDs []int64) (map[int64]projectd.User, map[int64]string, error) {
	users := make(map[int64]projectd.User, len(userIDs))
	workspaces := make(map[int64]string, len(workspaceIDs))
	err := db.eachRow(ctx, "SELECT "+userColumns+" FROM users", userIDs, func(r rows) error {
		u, err := scanUser(r)
		if err == nil {
			users[u.ID] = *u
		}
		return err
	})
	if err == nil {
		err = db.eachRow(ctx, "SELECT id, name FROM workspaces", workspaceIDs, func(r rows) error {
			var id int64
			var name string
			err := r.Scan(&id, &name)
			workspaces[id] = name
			return err
		})
	}
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users == nil || len(c.users)+len(users) > maxCachedRefs {
		c.users = make(map[int64]projectd.User, len(users))
	}
	if c.workspaces == nil || len(c.workspaces)+len(workspaces) > maxCachedRefs {
		c.workspaces = make(map[int64]string, len(workspaces))
	}
	for id, u := range users {
		c.users[id] = u
	}
	for id, name := range workspaces {
		c.workspaces[id] = name
	}
	return users, workspaces, nil
}

// eachRow runs selectFrom for the rows whose id is one of ids, calling scan on each.
func (db *DB) eachRow(ctx context.Context, selectFrom string, ids []int64, scan func(rows) error) error {
	if len(ids) == 0 {
		return nil
	}
	cond, arg := db.dialect.inIDs("id", ids)
	r, err := db.query(ctx, selectFrom+" WHERE "+cond, arg)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		if err := scan(r); err != nil {
			return err
		}
	}
	r.Close()
	return r.Err()
}

// inIDs is the condition "col is one of ids" with the ids in one parameter, so that the
// statement's text, and its prepared plan, is the same for any number of them.
func (d *dialect) inIDs(col string, ids []int64) (string, any) {
	if d.dollarBinds {
		return col + " = ANY(?)", ids
	}
	list := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, id, 10)
	}
	return col + " IN (SELECT value FROM json_each(?))", string(append(list, ']'))
}
