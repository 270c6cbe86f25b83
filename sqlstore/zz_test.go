package sqlstore

import (
	"fmt"
	"testing"

	"projectd"
)

func TestZZPrintSQL(t *testing.T) {
	a := &projectd.Auth{User: &projectd.User{Role: projectd.RoleAdmin}, Scopes: []string{"read"}}
	q := projectd.ProjectQuery{Sort: []projectd.SortKey{{Field: "created", Desc: true}}, Limit: 20}
	q.Normalize()
	s, args := listSQL(postgresDialect, a, &q, 21)
	fmt.Println(postgresDialect.rebind(s), args)
}
