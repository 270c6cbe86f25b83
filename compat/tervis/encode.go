package tervis

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"projectd"
	"projectd/httpserver"
)

// dateLayout is how Json.NET writes dates: 7 fractional digits and an offset.
const dateLayout = "2006-01-02T15:04:05.0000000-07:00"

func formatDate(t time.Time) string {
	return string(httpserver.AppendTimeText(make([]byte, 0, 40), t, dateLayout))
}

// members of a project: ext.tervis as stored, with the members the core model holds.
func projectFields(p *projectd.Project) map[string]json.RawMessage {
	var doc struct {
		Tervis map[string]json.RawMessage `json:"tervis"`
	}
	json.Unmarshal(p.Ext, &doc)
	fields := doc.Tervis
	if fields == nil {
		fields = map[string]json.RawMessage{}
	}
	quote := func(s string) json.RawMessage { return httpserver.AppendString(nil, s) }
	fields["Id"] = quote(p.UID)
	fields["Name"] = quote(p.Name)
	fields["CreatedDate"] = quote(formatDate(p.CreatedAt))
	fields["ModifiedDate"] = quote(formatDate(p.UpdatedAt))
	fields["UserID"] = quote(p.Owner.UID)
	return fields
}

// scalar returns the text of a set scalar member as the serializers write it; ok is
// false when it is unset (null or missing).
func scalar(m member, raw json.RawMessage) (text string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var s string
	switch m.kind {
	case kGUID:
		s, _ = projectd.JSONString(raw)
		if u, err := uuid.Parse(s); err == nil {
			return u.String(), true
		}
		return s, true
	case kDate:
		s, _ = projectd.JSONString(raw)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return formatDate(t), true
		}
		return s, true
	case kString, kBytes:
		s, _ = projectd.JSONString(raw)
		return s, true
	}
	return string(raw), true // numbers and booleans
}

// defaultText is what an unset member reads as: null for references, 0 and false else.
func defaultText(k kind) (string, bool) {
	switch k {
	case kInt:
		return "0", true
	case kDecimal:
		return "0.0", true
	case kBool:
		return "false", true
	}
	return "", false
}

// appendJSON writes a value of type typ as Json.NET does: members in declaration order,
// nulls written out.
func appendJSON(b []byte, typ string, fields map[string]json.RawMessage) []byte {
	b = append(b, '{')
	for i, m := range model[typ] {
		if i > 0 {
			b = append(b, ',')
		}
		b = httpserver.AppendString(b, m.name)
		b = append(b, ':')
		b = appendJSONValue(b, m, fields[m.name])
	}
	return append(b, '}')
}

func appendJSONValue(b []byte, m member, raw json.RawMessage) []byte {
	switch m.kind {
	case kObject:
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil || fields == nil {
			return append(b, "null"...)
		}
		return appendJSON(b, m.typ, fields)
	case kList:
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil || items == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, item := range items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, m.typ, item)
		}
		return append(b, ']')
	}
	text, ok := scalar(m, raw)
	if !ok {
		if text, ok = defaultText(m.kind); !ok {
			return append(b, "null"...)
		}
		return append(b, text...)
	}
	switch m.kind {
	case kGUID, kString, kDate, kBytes:
		return httpserver.AppendString(b, text)
	}
	return append(b, text...)
}

// Namespaces of the DataContractSerializer's XML.
const (
	xmlnsInstance = "http://www.w3.org/2001/XMLSchema-instance"
	xmlnsModels   = "http://schemas.datacontract.org/2004/07/Tervis.Customizer.Models"
)

// ordinal returns the members of typ in the order DataContractSerializer writes them:
// ordinal (byte-wise) order of their names.
func ordinal(typ string) []member {
	members := slices.Clone(model[typ])
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
	return members
}

var ordinalModel = func() map[string][]member {
	out := map[string][]member{}
	for typ := range model {
		out[typ] = ordinal(typ)
	}
	return out
}()

// appendXML writes the members of a value of type typ as DataContractSerializer does.
func appendXML(b []byte, typ string, fields map[string]json.RawMessage) []byte {
	for _, m := range ordinalModel[typ] {
		b = appendXMLMember(b, m, fields[m.name])
	}
	return b
}

func appendXMLMember(b []byte, m member, raw json.RawMessage) []byte {
	open := func() { b = append(b, "<"+m.name+">"...) }
	closeTag := func() { b = append(b, "</"+m.name+">"...) }
	null := func() []byte { return append(b, "<"+m.name+` i:nil="true"/>`...) }
	switch m.kind {
	case kObject:
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil || fields == nil {
			return null()
		}
		open()
		b = appendXML(b, m.typ, fields)
		closeTag()
		return b
	case kList:
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil || items == nil {
			return null()
		}
		open()
		for _, item := range items {
			b = append(b, "<"+m.typ+">"...)
			b = appendXML(b, m.typ, item)
			b = append(b, "</"+m.typ+">"...)
		}
		closeTag()
		return b
	}
	text, ok := scalar(m, raw)
	if !ok {
		if text, ok = defaultText(m.kind); !ok {
			return null()
		}
		if m.kind == kDecimal {
			text = "0"
		}
	}
	open()
	var buf bytes.Buffer
	xml.EscapeText(&buf, []byte(text))
	b = append(b, buf.Bytes()...)
	closeTag()
	return b
}
