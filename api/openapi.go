package api

import (
	_ "embed"
	"encoding/json"

	"projectd"
)

// openAPITemplate is the native API's OpenAPI 3.1 document but for the lists that the
// server's surfaces make: the namespaces of ext and the names of the surface documents.
//
//go:embed openapi.json
var openAPITemplate []byte

// OpenAPIDocument returns the native API's OpenAPI 3.1 document for a server with the ext
// namespaces of ext and the surfaces named.
func OpenAPIDocument(ext *projectd.Extensions, surfaces []string) []byte {
	var doc map[string]any
	if err := json.Unmarshal(openAPITemplate, &doc); err != nil {
		panic("api: openapi.json: " + err.Error()) // embedded: a broken file fails every test
	}
	namespaces := map[string]any{}
	for _, ns := range ext.Names() {
		namespaces[ns] = map[string]any{"type": "object"}
	}
	at(doc, "components", "schemas", "Ext")["properties"] = namespaces
	param := at(doc, "paths", "/api/openapi/{surface}.json", "get")["parameters"].([]any)[0].(map[string]any)
	param["schema"] = map[string]any{"type": "string", "enum": surfaces}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	return append(b, '\n')
}

// at walks down nested objects of a decoded JSON document.
func at(doc map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		doc = doc[k].(map[string]any)
	}
	return doc
}
