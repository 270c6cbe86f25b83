package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"projectd"
)

// ErrBodyTooLarge is returned for a body over MaxBodyBytes; surfaces answer it with 413.
var ErrBodyTooLarge = &projectd.Error{Code: projectd.EINVALID, Field: "body", Message: "request body must be at most 1 MiB"}

// Credential returns the credential of an Authorization header whose scheme is one of
// schemes (case-insensitive), or "" when there is none.
func Credential(r *http.Request, schemes ...string) string {
	h := r.Header.Get("Authorization")
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok {
		return ""
	}
	for _, s := range schemes {
		if strings.EqualFold(scheme, s) {
			return strings.TrimSpace(cred)
		}
	}
	return ""
}

// ReadBody reads the whole body, within MaxBodyBytes.
func ReadBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, ErrBodyTooLarge
	}
	if err != nil {
		return nil, projectd.Invalid("body", "could not read the request body: %v", err)
	}
	return b, nil
}

// MediaType returns the media type of the request body, lower-case, without parameters.
func MediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// DecodeJSON decodes one JSON value from body into v, rejecting unknown fields, trailing
// data, type mismatches and what projectd.CheckJSONText refuses (NUL characters, lone
// surrogates, repeated names) with an error that names the field. Every JSON body of
// every surface is read through here.
func DecodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return invalidUTF8(body)
	}
	if json.Valid(body) { // else the decoder names the syntax error
		if err := projectd.CheckJSONText(body, "", 0); err != nil {
			return err
		}
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return JSONError(err)
	}
	if len(bytes.Trim(body[d.InputOffset():], " \t\r\n")) > 0 { // JSON whitespace only; d.More misses a stray ] or }
		return projectd.Invalid("body", "request body must hold one JSON value")
	}
	return nil
}

var lastKey = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"\s*:\s*[^:]*$`)

// invalidUTF8 names the field whose value holds the first invalid byte: encoding/json
// would silently replace it, and text must be rejected, not altered.
func invalidUTF8(body []byte) error {
	i := 0
	for i < len(body) {
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	field := "body"
	if m := lastKey.FindSubmatch(body[:i]); m != nil && len(m[1]) > 0 {
		field = string(m[1])
	}
	return projectd.Invalid(field, "%s must be valid UTF-8", field)
}

// JSONError turns an encoding/json error into an EINVALID error naming the field.
func JSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return projectd.Invalid(field, "%s must be a JSON %s, not %s", field, jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return projectd.Invalid("body", "request body is not valid JSON: %v", err)
	case errors.Is(err, io.EOF):
		return projectd.Invalid("body", "request body is empty")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return projectd.Invalid(name, "unknown field %q", name)
	}
	return projectd.Invalid("body", "request body is not valid JSON: %v", err)
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return "number"
}

// WriteJSON writes an encoded JSON body with its length.
func WriteJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// Origin is where links to this server point: publicURL when it is set, else the
// request's own scheme and host.
func Origin(r *http.Request, publicURL string) string {
	if publicURL != "" {
		return publicURL
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
