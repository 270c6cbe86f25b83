package textking

import (
	"encoding/xml"
	"strings"

	"projectd/httpserver"
)

// node is a response document that renders as JSON or as the XML the spec decides:
// an object is an element with one child per field, an array an element whose children
// are named by its item name, null an empty element with xsi:nil="true".
type node struct {
	name     string
	text     string // a string value, or the JSON literal of a number when raw
	raw      bool
	null     bool
	object   bool
	array    bool
	item     string // element name of an array's children
	children []node
}

func str(name, v string) node          { return node{name: name, text: v} }
func number(name, literal string) node { return node{name: name, text: literal, raw: true} }
func null(name string) node            { return node{name: name, null: true} }

func optStr(name string, v *string) node {
	if v == nil {
		return null(name)
	}
	return str(name, *v)
}

func object(name string, children ...node) node {
	return node{name: name, object: true, children: children}
}

func array(name, item string, children ...node) node {
	return node{name: name, array: true, item: item, children: children}
}

func (n node) appendJSON(b []byte) []byte {
	switch {
	case n.null:
		return append(b, "null"...)
	case n.raw:
		return append(b, n.text...)
	case n.object:
		b = append(b, '{')
		for i, c := range n.children {
			if i > 0 {
				b = append(b, ',')
			}
			b = httpserver.AppendString(b, c.name)
			b = append(b, ':')
			b = c.appendJSON(b)
		}
		return append(b, '}')
	case n.array:
		b = append(b, '[')
		for i, c := range n.children {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.appendJSON(b)
		}
		return append(b, ']')
	}
	return httpserver.AppendString(b, n.text)
}

const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// xmlDocument renders n as the root element of an XML document.
func (n node) xmlDocument() []byte {
	var sb strings.Builder
	sb.WriteString(xml.Header)
	n.writeXML(&sb, n.name, true)
	return []byte(sb.String())
}

func (n node) writeXML(sb *strings.Builder, name string, root bool) {
	sb.WriteString("<" + name)
	if root {
		sb.WriteString(` xmlns:xsi="` + xsiNamespace + `"`)
	}
	if n.null {
		sb.WriteString(` xsi:nil="true"/>`)
		return
	}
	sb.WriteString(">")
	switch {
	case n.object:
		for _, c := range n.children {
			c.writeXML(sb, c.name, false)
		}
	case n.array:
		for _, c := range n.children {
			c.writeXML(sb, n.item, false)
		}
	default:
		xml.EscapeText(sb, []byte(n.text))
	}
	sb.WriteString("</" + name + ">")
}
