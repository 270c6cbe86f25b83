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

// ExtNamespaces are the keys allowed at the top of ext, one per compatible surface.
var ExtNamespaces = []string{"movika", "tasks", "maiu", "textking", "tervis"}

// ExtValidators check the namespace each surface owns; a namespace without a validator
// only has to be a JSON object whose indexed paths (IndexedExtPaths) hold values of their
// kind. A validator must check those paths of its namespace itself. Validate hands it a
// JSON object that it has already checked is valid JSON (so JSONMembers can split it).
// The field in a returned error is relative to the namespace.
type ExtValidators map[string]func(ns json.RawMessage) error

// Validate checks a whole ext document: a JSON object of at most 256 KiB of valid UTF-8
// whose keys are known namespaces holding objects that their surfaces accept.
func (v ExtValidators) Validate(ext json.RawMessage) error {
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
	if err := checkIndexedTypes(top, v); err != nil {
		return err
	}
	for _, ns := range sortedKeys(top) {
		if !slices.Contains(ExtNamespaces, ns) {
			return Invalid("ext."+ns, "unknown ext namespace %q: use one of %v", ns, ExtNamespaces)
		}
		raw := top[ns]
		if !isJSONObject(raw) {
			return Invalid("ext."+ns, "ext.%s must be a JSON object", ns)
		}
		if check := v[ns]; check != nil {
			if err := check(raw); err != nil {
				if e, ok := err.(*Error); ok && e.Field != "" {
					return Invalid("ext."+ns+"."+e.Field, "%s", e.Message)
				}
				return Invalid("ext."+ns, "%s", ErrorMessage(err))
			}
		}
	}
	return nil
}

// ExtKind is the JSON type of an indexed ext path.
type ExtKind int

// Kinds of indexed ext values.
const (
	ExtText ExtKind = iota
	ExtInt
	ExtBool
)

// ExtIndex describes an indexed ext path: the type its value must have and the value a
// project without it is listed under (the default its surface shows).
type ExtIndex struct {
	Kind    ExtKind
	Default any
}

// IndexedExtPaths are the ext paths that lists may filter (and, for text and int, sort) on.
// Each has an index in every store flavour; a path outside this list is an EINVALID filter.
// Writes must give these paths values of their kind, so that indexes never see a bad type.
var IndexedExtPaths = map[string]ExtIndex{
	"textking.state":        {ExtText, "prepared"},
	"tasks.private_comment": {ExtText, ""},
	"tervis.Status":         {ExtInt, int64(0)},
	"maiu.isBaseProject":    {ExtBool, false},
}

// indexedPathsSorted are the keys of IndexedExtPaths in order, so that the first of
// several bad values is always the same one.
var indexedPathsSorted = sortedKeys(IndexedExtPaths)

// checkIndexedTypes rejects an ext whose indexed paths hold values of the wrong type, in
// the namespaces that have no validator of their own (a surface's validator checks them
// as part of its namespace). It reads each namespace at most once: this runs on every
// write, and on every row of an import.
func checkIndexedTypes(top map[string]json.RawMessage, validated ExtValidators) error {
	namespaces := map[string]map[string]json.RawMessage{}
	for _, path := range indexedPathsSorted {
		ns, key, _ := strings.Cut(path, ".")
		raw, ok := top[ns]
		if !ok || validated[ns] != nil {
			continue
		}
		fields, seen := namespaces[ns]
		if !seen {
			fields, _ = JSONMembers(raw) // not an object: reported by the caller
			namespaces[ns] = fields
		}
		v, ok := fields[key]
		if !ok || string(v) == "null" {
			continue
		}
		var valid bool
		switch IndexedExtPaths[path].Kind {
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
