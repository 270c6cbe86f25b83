package projectd

import (
	"context"
	"time"
)

// DashboardWeeks is how many weeks the dashboard's chart of new projects spans.
const DashboardWeeks = 12

// Dashboard counts the projects a caller can see, as the console's dashboard shows them.
type Dashboard struct {
	Total       int64            `json:"total"`
	ByStatus    map[string]int64 `json:"by_status"`
	ByWorkspace []NameCount      `json:"by_workspace"` // most projects first; "" is no workspace
	ByNamespace map[string]int64 `json:"by_namespace"` // projects whose ext holds each namespace
	// CreatedByWeek are the projects created in each of the last DashboardWeeks weeks
	// (Monday to Sunday, UTC), oldest first, the current week last.
	CreatedByWeek []WeekCount `json:"created_by_week"`
}

// NameCount is a count under a name.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// WeekCount is a count of the week that starts on Week, a Monday at 00:00 UTC.
type WeekCount struct {
	Week  time.Time `json:"week"`
	Count int64     `json:"count"`
}

// WeekStart is the Monday 00:00 UTC that begins t's week.
func WeekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// SurfaceView is a project as one compatible surface answers it for a caller, with the
// curl lines that ask for it (the console's tabs).
type SurfaceView struct {
	Surface     string   `json:"surface"` // the surface's package name
	Title       string   `json:"title"`
	Format      string   `json:"format"` // JSON or XML
	Path        string   `json:"path"`
	Status      int      `json:"status"`
	ContentType string   `json:"content_type"`
	Body        string   `json:"body"` // byte for byte
	Curl        []string `json:"curl"` // with $TOKEN-style variables for the caller's secrets
}

// DashboardService computes the dashboard of the caller.
type DashboardService interface {
	Dashboard(ctx context.Context) (*Dashboard, error)
}
