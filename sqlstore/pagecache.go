package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"projectd"
)

// pageCache keeps recent pages of projects until anything in the database changes. A
// page's rows, its total and its refs are all the database's state at one moment, so a
// page read again while that state stands is the same page: under reads, an owner's
// first page with its total is a map lookup and a check of the database's version
// instead of a query of rows spread over the file (docs/performance.md). The version is
// the engine's dataVersion, which every committed write anywhere changes — this
// process's, another serve's on the same database, a command's — so a cached page is
// never older than the caller's own last write, nor than any write acknowledged before
// the read began.
type pageCache struct {
	mu      sync.Mutex
	version string // of the database state every entry was read in
	pages   map[string]cachedPage
	size    int // bytes the entries hold, roughly
	budget  int // bytes at most; 0 turns the cache off
	counts  lookups
}

type cachedPage struct {
	page *projectd.ProjectPage
	size int
}

// DefaultPageCacheSize holds about a thousand pages of twenty projects with small ext.
const DefaultPageCacheSize = 8 << 20

// SetPageCacheSize sets the bytes the page cache may hold, roughly; 0 turns it off.
func (db *DB) SetPageCacheSize(bytes int) {
	db.pages.mu.Lock()
	defer db.pages.mu.Unlock()
	db.pages.budget = bytes
	db.pages.pages, db.pages.size = nil, 0
}

// get returns the page cached under key for the database state version, or nil.
func (c *pageCache) get(version, key string) *projectd.ProjectPage {
	c.mu.Lock()
	e, ok := c.pages[key]
	ok = ok && c.version == version
	c.mu.Unlock()
	if !ok {
		c.counts.count(0, 1)
		return nil
	}
	c.counts.count(1, 0)
	return copyPage(e.page)
}

// copyPage is a page of its own, slice and all, for a caller or for the cache: callers
// may change their slice, while the projects in it are shared and read-only.
func copyPage(p *projectd.ProjectPage) *projectd.ProjectPage {
	return &projectd.ProjectPage{Projects: append([]*projectd.Project(nil), p.Projects...), HasMore: p.HasMore, Total: p.Total}
}

// put keeps page under key, read in database state version: a newer version than the
// entries' empties the cache first. Random entries make room when the budget is spent.
func (c *pageCache) put(version, key string, page *projectd.ProjectPage) {
	size := len(key) + pageSize(page)
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.budget {
		return
	}
	if c.version != version || c.pages == nil {
		c.version, c.pages, c.size = version, map[string]cachedPage{}, 0
	}
	if old, ok := c.pages[key]; ok {
		c.size -= old.size
	}
	for k, e := range c.pages { // map order is random enough to evict by
		if c.size+size <= c.budget {
			break
		}
		delete(c.pages, k)
		c.size -= e.size
	}
	c.pages[key] = cachedPage{copyPage(page), size}
	c.size += size
}

func (c *pageCache) entries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pages)
}

// pageSize estimates the bytes a page holds: its strings and ext, and the structs.
func pageSize(page *projectd.ProjectPage) int {
	n := 64
	for _, p := range page.Projects {
		n += 256 + len(p.UID) + len(p.Name) + len(p.Description) + len(p.Status) + len(p.Workspace) + len(p.Ext)
	}
	return n
}

// pageKey names a page by its query, which holds everything that decides it: the
// filter, the caller's visibility, sort, cursor and size; and whether it is counted.
func pageKey(query string, args []any, count bool) string {
	var b strings.Builder
	b.Grow(len(query) + 16*len(args) + 2)
	b.WriteString(query)
	for _, a := range args {
		b.WriteByte(0)
		switch v := a.(type) {
		case nil:
			b.WriteByte('n')
		case int64:
			b.WriteByte('i')
			b.WriteString(strconv.FormatInt(v, 10))
		case int:
			b.WriteByte('i')
			b.WriteString(strconv.Itoa(v))
		case string:
			b.WriteByte('s')
			b.WriteString(v)
		case bool:
			b.WriteByte('b')
			b.WriteString(strconv.FormatBool(v))
		case time.Time:
			b.WriteByte('t')
			b.WriteString(strconv.FormatInt(v.UnixNano(), 10))
		default:
			return "" // a kind of argument no list has had: not cached
		}
	}
	if count {
		b.WriteString("\x00count")
	}
	return b.String()
}

// cachedPage returns the cached page of key and the database's version to keep a newly
// read page under; ok is false when the page cannot be cached (cache off, a key it cannot
// make, or the version unknown — the read then goes to the database as without a cache).
func (db *DB) cachedPage(ctx context.Context, key string) (page *projectd.ProjectPage, version string, ok bool) {
	db.pages.mu.Lock()
	off := db.pages.budget == 0
	db.pages.mu.Unlock()
	if off || key == "" {
		return nil, "", false
	}
	version, err := db.engine.dataVersion(ctx)
	if err != nil {
		return nil, "", false
	}
	return db.pages.get(version, key), version, true
}
