package tervis

import (
	"encoding/json"
	"projectd"
	"slices"
	"strings"
	"testing"
)

// The OpenAPI document describes the model the validator enforces: every type, with its
// members in declaration order (the order Json.NET writes them), all required.
func TestOpenAPIDescribesTheModel(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	for typ, members := range model {
		schema, ok := doc.Components.Schemas[typ]
		if !ok {
			t.Errorf("the document has no schema %s", typ)
			continue
		}
		var names []string
		for _, m := range members {
			names = append(names, m.name)
			if _, ok := schema.Properties[m.name]; !ok {
				t.Errorf("%s.%s is not a property of the document's schema", typ, m.name)
			}
		}
		if !slices.Equal(schema.Required, names) {
			t.Errorf("%s: the document requires %v, the model declares %v", typ, schema.Required, names)
		}
		if len(schema.Properties) != len(members) {
			t.Errorf("%s: the document has %d properties, the model %d members", typ, len(schema.Properties), len(members))
		}
	}
}

// A collection longer than MaxItems is refused with its path named; MaxItems is allowed.
func TestCollectionsAreBounded(t *testing.T) {
	items := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat("{},", n), ",") + "]" }
	if err := ValidateExt(json.RawMessage(`{"Assets":` + items(MaxItems) + `,"Product":{"Backgrounds":` + items(MaxItems) + `}}`)); err != nil {
		t.Fatalf("%d items: %v", MaxItems, err)
	}
	for path, doc := range map[string]string{
		"Assets":              `{"Assets":` + items(MaxItems+1) + `}`,
		"Stamps":              `{"Stamps":` + items(MaxItems+1) + `}`,
		"Product.Backgrounds": `{"Product":{"Backgrounds":` + items(MaxItems+1) + `}}`,
	} {
		if err := ValidateExt(json.RawMessage(doc)); projectd.ErrorField(err) != path {
			t.Errorf("%s: got %v", path, err)
		}
	}
}
