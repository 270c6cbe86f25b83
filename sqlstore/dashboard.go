package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"projectd"
)

// Dashboard counts what the caller can see in three scans of the visible projects: by
// status and workspace, by ext namespace, and by week of creation (on created_at's index).
func (db *DB) Dashboard(ctx context.Context) (*projectd.Dashboard, error) {
	defer db.timed(projectd.OpCount)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	var d *projectd.Dashboard
	err = db.reading(ctx, a, func(ctx context.Context) error {
		d = &projectd.Dashboard{ByStatus: map[string]int64{projectd.StatusActive: 0, projectd.StatusArchived: 0}, ByNamespace: map[string]int64{}}
		if err := db.countByStatusAndWorkspace(ctx, a, d); err != nil {
			return err
		}
		if err := db.countByNamespace(ctx, a, d); err != nil {
			return err
		}
		return db.countByWeek(ctx, a, d)
	})
	return d, err
}

func (db *DB) countByStatusAndWorkspace(ctx context.Context, a *projectd.Auth, d *projectd.Dashboard) error {
	var w where
	w.visible(a)
	rows, err := db.query(ctx, "SELECT p.status, COALESCE(ws.name, ''), COUNT(*) FROM projects p LEFT JOIN workspaces ws ON ws.id = p.workspace_id"+
		w.sql()+" GROUP BY p.status, ws.name", w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	byWorkspace := map[string]int64{}
	for rows.Next() {
		var status, workspace string
		var n int64
		if err := rows.Scan(&status, &workspace, &n); err != nil {
			return err
		}
		d.Total += n
		d.ByStatus[status] += n
		byWorkspace[workspace] += n
	}
	for name, n := range byWorkspace {
		d.ByWorkspace = append(d.ByWorkspace, projectd.NameCount{Name: name, Count: n})
	}
	sort.Slice(d.ByWorkspace, func(i, j int) bool {
		x, y := d.ByWorkspace[i], d.ByWorkspace[j]
		return x.Count > y.Count || (x.Count == y.Count && x.Name < y.Name)
	})
	if d.ByWorkspace == nil {
		d.ByWorkspace = []projectd.NameCount{}
	}
	return rows.Err()
}

func (db *DB) countByNamespace(ctx context.Context, a *projectd.Auth, d *projectd.Dashboard) error {
	names := db.Ext.Names()
	if len(names) == 0 {
		return nil
	}
	sums := make([]string, len(names))
	for i, ns := range names {
		sums[i] = "COALESCE(SUM(CASE WHEN " + fmt.Sprintf(db.dialect.extHas, ns) + " THEN 1 ELSE 0 END), 0)"
	}
	var w where
	w.visible(a)
	counts := make([]int64, len(names))
	dest := make([]any, len(names))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := db.queryRow(ctx, "SELECT "+strings.Join(sums, ", ")+" FROM projects p"+w.sql(), w.args...).Scan(dest...); err != nil {
		return err
	}
	for i, ns := range names {
		d.ByNamespace[ns] = counts[i]
	}
	return nil
}

const week = 7 * 24 * time.Hour

func (db *DB) countByWeek(ctx context.Context, a *projectd.Auth, d *projectd.Dashboard) error {
	first := projectd.WeekStart(db.now()).AddDate(0, 0, -7*(projectd.DashboardWeeks-1))
	d.CreatedByWeek = make([]projectd.WeekCount, projectd.DashboardWeeks)
	for i := range d.CreatedByWeek {
		d.CreatedByWeek[i].Week = first.AddDate(0, 0, 7*i)
	}
	var w where
	w.visible(a)
	w.add("p.created_at >= ?", micros(first))
	rows, err := db.query(ctx, "SELECT (p.created_at - ?) / ?, COUNT(*) FROM projects p"+w.sql()+" GROUP BY 1",
		append([]any{micros(first), week.Microseconds()}, w.args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i, n int64
		if err := rows.Scan(&i, &n); err != nil {
			return err
		}
		if i < int64(len(d.CreatedByWeek)) { // a clock that went back can date one later
			d.CreatedByWeek[i].Count += n
		}
	}
	return rows.Err()
}
