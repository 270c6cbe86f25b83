package testdb

import (
	"encoding/json"

	"projectd"
	"projectd/compat/surfaces"
)

// Extensions are the ext namespaces and indexed paths of every surface, with only the
// validators given (by namespace): the store's tests write ext that only its indexed
// paths' types constrain.
func Extensions(validators map[string]func(json.RawMessage) error) *projectd.Extensions {
	var namespaces []projectd.ExtNamespace
	for _, s := range surfaces.All {
		ns := s.Ext
		ns.Validate = validators[ns.Name]
		namespaces = append(namespaces, ns)
	}
	x, err := projectd.NewExtensions(namespaces...)
	if err != nil {
		panic(err)
	}
	return x
}
