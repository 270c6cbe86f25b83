package movika

import _ "embed"

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3.1 document of the surface, which serve answers
// at GET /api/openapi/movika.json.
func OpenAPIDocument() []byte { return openAPIDocument }
