package projectd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ExtNamespace is what a surface declares of its namespace of ext: the key, the validator
// that checks it on every write whichever API makes it, and the paths the store indexes.
type ExtNamespace struct {
	Name string
	// Validate checks the whole namespace, its indexed paths included; nil accepts any
	// object whose indexed paths hold values of their kind. It gets a JSON object already
	// known to be valid JSON (so JSONMembers can split it); the field of a returned error
	// is relative to the namespace.
	Validate func(ns json.RawMessage) error
	Indexed  []IndexedPath
}

// IndexedPath is an ext path the store keeps in a column of its own, so that lists
// filter (and, for text and int, sort) on it through an index.
type IndexedPath struct {
	Key     string  // within the namespace: "state" of ext.textking.state
	Column  string  // the stored generated column that holds it, in both engines' migrations
	Kind    ExtKind // the JSON type its value must have
	Default any     // the value a project without it is listed under (string, int64 or bool)
	// Counted asks the store to keep exact per-owner counts by this path's value, so that
	// an owner's total (by value) costs no scan. At most one path is counted.
	Counted bool
	// Pins, on a boolean path, pins the projects where it is true: the store refuses to
	// delete them, rename them, move them to another workspace or unset the path,
	// whichever API asks (ECONFLICT).
	Pins bool
}

// ExtKind is the JSON type of an indexed ext path.
type ExtKind int

// Kinds of indexed ext values.
const (
	ExtText ExtKind = iota
	ExtInt
	ExtBool
)

// Extensions are the namespaces of every surface: what ext may hold, and which of its
// paths are indexed. One value is built at start-up from the list of surfaces.
type Extensions struct {
	namespaces map[string]ExtNamespace
	names      []string               // sorted
	paths      map[string]IndexedPath // by full path: "textking.state"
	sorted     []string               // the keys of paths, sorted
	counted    string                 // the counted path, or ""
	pins       []string               // the pinning paths
}

// NewExtensions checks the declarations of every namespace and indexes them.
func NewExtensions(namespaces ...ExtNamespace) (*Extensions, error) {
	x := &Extensions{namespaces: map[string]ExtNamespace{}, paths: map[string]IndexedPath{}}
	for _, ns := range namespaces {
		if ns.Name == "" || strings.Contains(ns.Name, ".") {
			return nil, fmt.Errorf("ext namespace %q: a name without dots is required", ns.Name)
		}
		if _, dup := x.namespaces[ns.Name]; dup {
			return nil, fmt.Errorf("ext namespace %q is declared twice", ns.Name)
		}
		x.namespaces[ns.Name] = ns
		x.names = append(x.names, ns.Name)
		for _, idx := range ns.Indexed {
			path := ns.Name + "." + idx.Key
			if idx.Key == "" || idx.Column == "" {
				return nil, fmt.Errorf("indexed path %s needs a key and a column", path)
			}
			if !defaultHasKind(idx.Default, idx.Kind) {
				return nil, fmt.Errorf("indexed path %s: default %v is not of its kind", path, idx.Default)
			}
			if idx.Counted {
				if x.counted != "" {
					return nil, fmt.Errorf("indexed paths %s and %s are both counted; the store counts one", x.counted, path)
				}
				if idx.Kind != ExtText {
					return nil, fmt.Errorf("counted path %s must hold text", path)
				}
				x.counted = path
			}
			if idx.Pins {
				if idx.Kind != ExtBool {
					return nil, fmt.Errorf("pinning path %s must hold a boolean", path)
				}
				x.pins = append(x.pins, path)
			}
			x.paths[path] = idx
		}
	}
	slices.Sort(x.names)
	x.sorted = sortedKeys(x.paths)
	return x, nil
}

func defaultHasKind(v any, kind ExtKind) bool {
	switch v.(type) {
	case string:
		return kind == ExtText
	case int64:
		return kind == ExtInt
	case bool:
		return kind == ExtBool
	}
	return false
}

// Names are the namespaces, sorted.
func (x *Extensions) Names() []string { return x.names }

// Index returns the indexed path at a full path ("textking.state").
func (x *Extensions) Index(path string) (IndexedPath, bool) {
	idx, ok := x.paths[path]
	return idx, ok
}

// IndexedPaths are the full paths of every indexed path, sorted.
func (x *Extensions) IndexedPaths() []string { return x.sorted }

// CountedPath is the full path whose values the store counts per owner, or "".
func (x *Extensions) CountedPath() string { return x.counted }

// PinnedBy returns the pinning path that is true in ext, or "" when none is.
func (x *Extensions) PinnedBy(ext json.RawMessage) string {
	for _, path := range x.pins {
		if ExtValue(ext, path) == true {
			return path
		}
	}
	return ""
}

// Validate checks a whole ext document: a JSON object of at most 256 KiB of valid UTF-8,
// at most MaxExtDepth deep, without what CheckJSONText refuses, whose keys are known
// namespaces holding objects that their surfaces accept. Every write of ext, by any API,
// import or load, goes through here.
func (x *Extensions) Validate(ext json.RawMessage) error {
	if len(ext) > MaxExtBytes {
		return Invalid("ext", "ext must be at most %d bytes encoded, got %d", MaxExtBytes, len(ext))
	}
	if !utf8.Valid(ext) {
		return Invalid("ext", "ext must be valid UTF-8")
	}
	top, err := JSONObject(ext)
	if err != nil {
		return Invalid("ext", "ext must be a JSON object")
	}
	if err := CheckJSONText(ext, "ext", MaxExtDepth); err != nil {
		return err
	}
	if err := x.checkIndexedTypes(top); err != nil {
		return err
	}
	for _, name := range sortedKeys(top) {
		ns, known := x.namespaces[name]
		if !known {
			return Invalid("ext."+name, "unknown ext namespace %q: use one of %v", name, x.names)
		}
		raw := top[name]
		if !isJSONObject(raw) {
			return Invalid("ext."+name, "ext.%s must be a JSON object", name)
		}
		if ns.Validate != nil {
			if err := ns.Validate(raw); err != nil {
				if e, ok := err.(*Error); ok && e.Field != "" {
					return Invalid("ext."+name+"."+e.Field, "%s", e.Message)
				}
				return Invalid("ext."+name, "%s", ErrorMessage(err))
			}
		}
	}
	return nil
}

// checkIndexedTypes rejects an ext whose indexed paths hold values of the wrong type, in
// the namespaces that have no validator of their own (a surface's validator checks them
// as part of its namespace). It reads each namespace at most once: this runs on every
// write, and on every row of an import.
func (x *Extensions) checkIndexedTypes(top map[string]json.RawMessage) error {
	namespaces := map[string]map[string]json.RawMessage{}
	for _, path := range x.sorted {
		name, key, _ := strings.Cut(path, ".")
		raw, ok := top[name]
		if !ok || x.namespaces[name].Validate != nil {
			continue
		}
		fields, seen := namespaces[name]
		if !seen {
			fields, _ = JSONMembers(raw) // not an object: reported by the caller
			namespaces[name] = fields
		}
		v, ok := fields[key]
		if !ok || string(v) == "null" {
			continue
		}
		var valid bool
		switch x.paths[path].Kind {
		case ExtText:
			valid = v[0] == '"'
		case ExtInt:
			_, err := strconv.ParseInt(string(v), 10, 64)
			valid = err == nil
		case ExtBool:
			valid = string(v) == "true" || string(v) == "false"
		}
		if !valid {
			return Invalid("ext."+path, "ext.%s has the wrong type", path)
		}
	}
	return nil
}

// ExtValue returns the value at a dotted path ("textking.state") of ext, or nil.
func ExtValue(ext json.RawMessage, path string) any {
	if len(ext) == 0 {
		return nil
	}
	var cur any
	d := json.NewDecoder(bytes.NewReader(ext))
	d.UseNumber()
	if d.Decode(&cur) != nil {
		return nil
	}
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[key]
	}
	return cur
}

// MergePatch applies an RFC 7396 JSON merge patch to target and returns the result.
func MergePatch(target, patch json.RawMessage) (json.RawMessage, error) {
	var t, p any
	if len(target) > 0 {
		if err := unmarshalNumber(target, &t); err != nil {
			return nil, fmt.Errorf("merge patch target: %w", err)
		}
	}
	if err := unmarshalNumber(patch, &p); err != nil {
		return nil, Invalid("ext", "ext must be valid JSON")
	}
	return json.Marshal(mergeValue(t, p))
}

func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergeValue(tm[k], v)
		}
	}
	return tm
}

func unmarshalNumber(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

func isJSONObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{'
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// JSONString decodes raw as json.Unmarshal into a string does (null too gives "" and
// true). Validators call it for every field of every row of a bulk load, so a string
// without escapes is read in place; anything else goes through encoding/json.
func JSONString(raw json.RawMessage) (string, bool) {
	n := len(raw)
	if n < 2 || raw[0] != '"' {
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' {
			return "", string(t) == "null"
		}
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	}
	inner := raw[1 : n-1]
	plain := raw[n-1] == '"' && utf8.Valid(inner)
	for _, b := range inner {
		if b == '"' || b == '\\' || b < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return string(inner), true
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

// JSONObject splits a JSON object into its members, which share raw's memory. It is
// json.Unmarshal into a map[string]json.RawMessage (the last of repeated names wins)
// without reflection or copies, for the validators that run on every row of a bulk load.
func JSONObject(raw []byte) (map[string]json.RawMessage, error) {
	if !json.Valid(raw) {
		return nil, errNotObject
	}
	return JSONMembers(raw)
}

// JSONMembers is JSONObject for input already known to be valid JSON, such as the
// namespace that Validate hands a validator: it checks the object's shape, not its values.
// On any input it returns an error rather than reading past the end.
func JSONMembers(raw []byte) (map[string]json.RawMessage, error) {
	i := skipJSONSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, errNotObject
	}
	fields := map[string]json.RawMessage{}
	if i = skipJSONSpace(raw, i+1); i < len(raw) && raw[i] == '}' {
		return fields, nil
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return nil, errNotObject
		}
		end := jsonValueEnd(raw, i)
		if end < 0 {
			return nil, errNotObject
		}
		name, ok := JSONString(raw[i:end])
		if !ok {
			return nil, errNotObject
		}
		if i = skipJSONSpace(raw, end); i >= len(raw) || raw[i] != ':' {
			return nil, errNotObject
		}
		i = skipJSONSpace(raw, i+1)
		if end = jsonValueEnd(raw, i); end <= i {
			return nil, errNotObject
		}
		fields[name] = raw[i:end:end]
		if i = skipJSONSpace(raw, end); i >= len(raw) {
			return nil, errNotObject
		}
		switch raw[i] {
		case '}':
			return fields, nil
		case ',':
			i = skipJSONSpace(raw, i+1)
		default:
			return nil, errNotObject
		}
	}
}

var errNotObject = fmt.Errorf("not a JSON object")

func skipJSONSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n') {
		i++
	}
	return i
}

// jsonValueEnd returns the index just past the value that starts at raw[i] in valid
// JSON, or -1 if raw ends first.
func jsonValueEnd(raw []byte, i int) int {
	if i >= len(raw) {
		return -1
	}
	switch raw[i] {
	case '"':
		for j := i + 1; j < len(raw); j++ {
			switch raw[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(raw); j++ {
			switch raw[j] {
			case '"':
				if j = jsonValueEnd(raw, j) - 1; j < 0 {
					return -1
				}
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default: // a number, true, false or null
		for j := i; j < len(raw); j++ {
			switch raw[j] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return j
			}
		}
		return len(raw)
	}
}

// EachMember calls check for every member of an object and returns the error that the
// first failing member in name order gave, as if they were checked in that order, without
// sorting the names of valid input (the common case, on every row of a bulk load).
func EachMember(fields map[string]json.RawMessage, check func(name string, raw json.RawMessage) error) error {
	var first error
	firstName := ""
	for name, raw := range fields {
		if err := check(name, raw); err != nil && (first == nil || name < firstName) {
			first, firstName = err, name
		}
	}
	return first
}
