package sqlstore

import (
	"io/fs"
	"regexp"
	"testing"

	"projectd/compat"
	"projectd/compat/surfaces"
)

// Every indexed ext path that a surface declares is a generated column, with an index,
// in the migrations of both engines.
func TestIndexedColumnsExist(t *testing.T) {
	ext, err := compat.Extensions(surfaces.All)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*dialect{sqliteDialect, postgresDialect} {
		files, err := fs.Glob(migrations, "migrations/"+d.name+"/*.sql")
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no migrations (%v)", d.name, err)
		}
		var all []byte
		for _, f := range files {
			b, err := fs.ReadFile(migrations, f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		for _, path := range ext.IndexedPaths() {
			idx, _ := ext.Index(path)
			column := regexp.MustCompile(`(?m)^\s*` + idx.Column + `\s+\w+\s+GENERATED ALWAYS AS`)
			index := regexp.MustCompile(`CREATE INDEX \w+ ON projects \([^)]*\b` + idx.Column + `\b`)
			if !column.Match(all) {
				t.Errorf("%s: ext.%s is declared in column %s, which no migration generates", d.name, path, idx.Column)
			}
			if !index.Match(all) {
				t.Errorf("%s: column %s of ext.%s has no index", d.name, idx.Column, path)
			}
		}
	}
	if len(ext.IndexedPaths()) == 0 {
		t.Fatal("the surfaces declare no indexed path")
	}
}
