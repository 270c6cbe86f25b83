package sqlstore

import (
	"bytes"
	"encoding/json"

	"projectd"
)

// checkExt validates ext and returns its compact text, "{}" when empty.
func (db *DB) checkExt(ext json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(ext)) == 0 || string(bytes.TrimSpace(ext)) == "null" {
		return "{}", nil
	}
	if err := db.Ext.Validate(ext); err != nil {
		return "", err
	}
	if isCompactJSON(ext) {
		return string(ext), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, ext); err != nil {
		return "", projectd.Invalid("ext", "ext must be valid JSON")
	}
	return b.String(), nil
}

// isCompactJSON reports whether valid JSON has no whitespace outside its strings, which
// json.Compact would remove.
func isCompactJSON(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			return false
		}
	}
	return true
}
