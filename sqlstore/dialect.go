package sqlstore

import (
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

// dialect holds what differs between the SQL flavours.
type dialect struct {
	name        string
	goose       goose.Dialect
	dollarBinds bool   // $1, $2 ... instead of ?
	like        string // case-insensitive LIKE
	forUpdate   string // row lock on a SELECT; SQLite's single writer needs none
	extHas      string // a condition that p.ext holds the namespace %s
}

var sqliteDialect = &dialect{
	name:   "sqlite",
	goose:  goose.DialectSQLite3,
	like:   "LIKE",
	extHas: "json_type(p.ext, '$.%s') IS NOT NULL",
}

var postgresDialect = &dialect{
	name:        "postgres",
	goose:       goose.DialectPostgres,
	dollarBinds: true,
	like:        "ILIKE",
	forUpdate:   " FOR UPDATE",
	extHas:      "(p.ext -> '%s') IS NOT NULL",
}

// rebind rewrites ? placeholders for the dialect. Queries never hold ? in literals.
func (d *dialect) rebind(q string) string {
	if !d.dollarBinds || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		} else {
			b.WriteByte(q[i])
		}
	}
	return b.String()
}
