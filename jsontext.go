package projectd

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxExtDepth is how deeply ext may nest, counting ext itself as one level: the same on
// both engines (SQLite's JSON functions stop at 1,000, PostgreSQL's jsonb goes further).
const MaxExtDepth = 64

// CheckText rejects text that a store cannot hold, or would hold otherwise than sent: a
// NUL character or invalid UTF-8 (a lone surrogate encoded in UTF-8 is invalid UTF-8).
// field names it in the error.
func CheckText(field, s string) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "%s must be valid UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Invalid(field, "%s must not hold a NUL character", field)
	}
	return nil
}

// CheckJSONText rejects what a valid JSON document must not hold for projectd: NUL
// characters (\u0000), lone UTF-16 surrogates (which decoders silently replace with
// U+FFFD), a name given twice in one object (which readers resolve differently: the
// validator and SQLite's generated columns once disagreed), and nesting deeper than
// maxDepth (0: no limit). The error names the offending value's path below root, as
// "root.a.b[2]"; root "" names the top.
func CheckJSONText(doc []byte, root string, maxDepth int) error {
	if !json.Valid(doc) {
		return Invalid(orName(root, "body"), "%s is not valid JSON", orName(root, "the body"))
	}
	c := textChecker{doc: doc, maxDepth: maxDepth}
	c.value(root, 1)
	return c.err
}

type textChecker struct {
	doc      []byte
	i        int
	maxDepth int
	err      error
}

func orName(path, name string) string {
	if path == "" {
		return name
	}
	return path
}

func (c *textChecker) fail(path, format string, args ...any) {
	if c.err == nil {
		c.err = Invalid(orName(path, "body"), format, args...)
	}
}

func (c *textChecker) space() {
	c.i = skipJSONSpace(c.doc, c.i)
}

// value checks the value at c.i, at a depth, and moves past it.
func (c *textChecker) value(path string, depth int) {
	c.space()
	if c.err != nil || c.i >= len(c.doc) {
		return
	}
	switch c.doc[c.i] {
	case '{', '[':
		if c.maxDepth > 0 && depth > c.maxDepth {
			c.fail(path, "%s nests deeper than %d levels", orName(path, "the body"), c.maxDepth)
			return
		}
		if c.doc[c.i] == '{' {
			c.object(path, depth)
		} else {
			c.array(path, depth)
		}
	case '"':
		c.string(path)
	default:
		c.i = jsonValueEnd(c.doc, c.i)
	}
}

func (c *textChecker) object(path string, depth int) {
	c.i++ // {
	var seen names
	for c.err == nil {
		c.space()
		if c.doc[c.i] == '}' {
			c.i++
			return
		}
		if c.doc[c.i] == ',' {
			c.i++
			c.space()
		}
		start := c.i
		c.string(path)
		name, _ := JSONString(c.doc[start:c.i])
		child := name
		if path != "" {
			child = path + "." + name
		}
		if !seen.add(name) {
			c.fail(child, "%s is given more than once", child)
			return
		}
		c.space()
		c.i++ // :
		c.value(child, depth+1)
	}
}

// names are the member names of one object seen so far: a short list searched in turn
// (most objects have few members), a set past 16.
type names struct {
	list [16]string
	n    int
	set  map[string]bool
}

// add reports whether name is new.
func (s *names) add(name string) bool {
	if s.set != nil {
		if s.set[name] {
			return false
		}
		s.set[name] = true
		return true
	}
	for _, seen := range s.list[:s.n] {
		if seen == name {
			return false
		}
	}
	if s.n < len(s.list) {
		s.list[s.n] = name
		s.n++
		return true
	}
	s.set = map[string]bool{name: true}
	for _, seen := range s.list {
		s.set[seen] = true
	}
	return true
}

func (c *textChecker) array(path string, depth int) {
	c.i++ // [
	for n := 0; c.err == nil; n++ {
		c.space()
		switch c.doc[c.i] {
		case ']':
			c.i++
			return
		case ',':
			c.i++
		}
		c.value(path+"["+strconv.Itoa(n)+"]", depth+1)
	}
}

// string checks the escapes of the string at c.i and moves past it. Raw bytes are valid:
// json.Valid refused control characters and invalid UTF-8 already.
func (c *textChecker) string(path string) {
	end := jsonValueEnd(c.doc, c.i)
	s := c.doc[c.i:end]
	c.i = end
	for j := 1; j < len(s)-1; j++ {
		if s[j] != '\\' {
			continue
		}
		j++
		if s[j] != 'u' {
			continue
		}
		r := hex4(s[j+1 : j+5])
		j += 4
		switch {
		case r == 0:
			c.fail(path, "%s must not hold a NUL character", orName(path, "the body"))
			return
		case r >= 0xDC00 && r <= 0xDFFF:
			c.fail(path, "%s holds a lone UTF-16 surrogate", orName(path, "the body"))
			return
		case r >= 0xD800 && r <= 0xDBFF:
			if j+6 >= len(s) || s[j+1] != '\\' || s[j+2] != 'u' {
				c.fail(path, "%s holds a lone UTF-16 surrogate", orName(path, "the body"))
				return
			}
			if low := hex4(s[j+3 : j+7]); low < 0xDC00 || low > 0xDFFF {
				c.fail(path, "%s holds a lone UTF-16 surrogate", orName(path, "the body"))
				return
			}
			j += 6
		}
	}
}

func hex4(b []byte) rune {
	n, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(n)
}
