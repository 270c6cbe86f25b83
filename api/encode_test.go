package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"projectd"
	"projectd/httpserver"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f", "<script>&amp;</script>",
		"ünïcödé ✓ 🎉", "line\u2028sep\u2029", "bad \xff byte", "\u007f",
	} {
		want, _ := json.Marshal(s)
		if got := httpserver.AppendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("hello \"world\" \n \u2028 <>&")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := httpserver.AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// testProject is a project with every field set, as the list path encodes many.
func testProject(i int) *projectd.Project {
	u := &projectd.User{ID: 7, UID: "01890a5d-ac96-774b-bcce-b302099a8057", Login: "ann"}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)
	return &projectd.Project{
		ID: int64(i + 1), UID: "01890a5d-ac96-774b-bcce-b302099a80" + string(rune('a'+i%26)) + "0",
		Name: "Spring campaign <film> " + strings.Repeat("x", i%5), Description: "Interactive film for the \"spring\" campaign.",
		Status: "active", Owner: u, Workspace: "demo-studio", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
		CreatedBy: u, UpdatedBy: u, Version: 3,
		Ext: json.RawMessage(`{"textking":{"state":"prepared","net_price":432.4}}`),
	}
}

// projectStruct is the encoding/json twin of appendProject, to check and to compare with.
type projectStruct struct {
	ID          int64           `json:"id"`
	UID         string          `json:"uid"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Status      string          `json:"status"`
	Owner       ownerStruct     `json:"owner"`
	Workspace   *string         `json:"workspace"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
	CreatedBy   string          `json:"created_by"`
	UpdatedBy   string          `json:"updated_by"`
	Version     int64           `json:"version"`
	Ext         json.RawMessage `json:"ext"`
}

type ownerStruct struct {
	ID    int64  `json:"id"`
	UID   string `json:"uid"`
	Login string `json:"login"`
}

func toStruct(p *projectd.Project) projectStruct {
	var ws *string
	if p.Workspace != "" {
		ws = &p.Workspace
	}
	return projectStruct{p.ID, p.UID, p.Name, p.Description, p.Status, ownerStruct{p.Owner.ID, p.Owner.UID, p.Owner.Login}, ws,
		p.CreatedAt.Format(timeLayout), p.UpdatedAt.Format(timeLayout), p.CreatedBy.Login, p.UpdatedBy.Login, p.Version, p.Ext}
}

func TestAppendProjectMatchesEncodingJSON(t *testing.T) {
	for i := 0; i < 3; i++ {
		p := testProject(i)
		if i == 2 {
			p.Workspace = ""
		}
		want, _ := json.Marshal(toStruct(p))
		if got := appendProject(nil, p); string(got) != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

// BenchmarkEncodePage compares the append encoder with encoding/json on a 20-project page.
func BenchmarkEncodePage(b *testing.B) {
	page := make([]*projectd.Project, 20)
	for i := range page {
		page[i] = testProject(i)
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 16<<10)
		for b.Loop() {
			buf = buf[:0]
			for _, p := range page {
				buf = appendProject(buf, p)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			structs := make([]projectStruct, len(page))
			for i, p := range page {
				structs[i] = toStruct(p)
			}
			json.Marshal(structs)
		}
	})
}
