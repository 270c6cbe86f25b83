package textking

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"projectd"
	"projectd/httpserver"
)

// States of a TextKing project and the moves between them.
var (
	states = []string{"prepared", "running", "finished", "canceled"}
	moves  = map[string][]string{"prepared": {"running", "canceled"}, "running": {"finished", "canceled"}}
)

// ext holds ext.textking as stored.
type ext struct {
	State            *string          `json:"state,omitempty"`
	Number           *json.RawMessage `json:"number,omitempty"`
	DueDate          *string          `json:"due_date,omitempty"`
	Currency         *string          `json:"currency,omitempty"`
	NetPrice         *json.Number     `json:"net_price,omitempty"`
	VAT              *json.Number     `json:"vat,omitempty"`
	DiscountCustomer *json.Number     `json:"discount_customer,omitempty"`
	DiscountProject  *json.Number     `json:"discount_project,omitempty"`
	CouponName       *string          `json:"coupon_name,omitempty"`
	CouponValue      *json.Number     `json:"coupon_value,omitempty"`
	AffiliateID      *string          `json:"affiliate_id,omitempty"`
	BillingAddress   *string          `json:"billing_address,omitempty"`
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// extKinds are the fields of ext.textking and the JSON type each must have.
var extKinds = map[string]string{
	"state": "state", "number": "string or number", "due_date": "date", "currency": "currency",
	"net_price": "number", "vat": "number", "discount_customer": "number", "discount_project": "number",
	"coupon_name": "string", "coupon_value": "number", "affiliate_id": "string", "billing_address": "uuid",
}

// ValidateExt checks ext.textking on every write, whichever API makes it.
func ValidateExt(ns json.RawMessage) error {
	fields, err := projectd.JSONMembers(ns)
	if err != nil {
		return projectd.Invalid("", "ext.textking must be an object")
	}
	return projectd.EachMember(fields, func(name string, raw json.RawMessage) error {
		raw = bytes.TrimSpace(raw)
		kind, known := extKinds[name]
		if !known {
			return projectd.Invalid(name, "unknown field %s", name)
		}
		if string(raw) == "null" {
			return nil
		}
		s, isString := projectd.JSONString(raw)
		_, numErr := strconv.ParseFloat(string(raw), 64)
		isNumber := !isString && numErr == nil
		ok := true
		switch kind {
		case "state":
			ok = isString && slices.Contains(states, s)
		case "string or number":
			ok = isString || isNumber
		case "date":
			_, err := time.Parse(time.DateOnly, s)
			ok = isString && err == nil
		case "currency":
			ok = isString && currencyPattern.MatchString(s)
		case "number":
			ok = isNumber
		case "string":
			ok = isString && utf8.RuneCountInString(s) <= 256
		case "uuid":
			_, err := uuid.Parse(s)
			ok = isString && err == nil
		}
		if !ok {
			return projectd.Invalid(name, "%s must be %s", name, map[string]string{
				"state": "one of " + strings.Join(states, ", "), "string or number": "a string or a number",
				"date": "a date YYYY-MM-DD", "currency": "an ISO 4217 code such as EUR", "number": "a number",
				"string": "a string of at most 256 characters", "uuid": "a UUID",
			}[kind])
		}
		return nil
	})
}

func decodeExt(p *projectd.Project) ext {
	var doc struct {
		TextKing ext `json:"textking"`
	}
	d := json.NewDecoder(bytes.NewReader(p.Ext))
	d.UseNumber()
	d.Decode(&doc)
	return doc.TextKing
}

func stateOf(p *projectd.Project) string { return decodeExt(p).state() }

// state is the project's state, prepared until it has one.
func (e ext) state() string {
	if e.State != nil {
		return *e.State
	}
	return "prepared"
}

func numberOr(name string, n *json.Number, def string) node {
	if n == nil {
		return number(name, def)
	}
	return number(name, n.String())
}

// projectNode renders a project as the spec maps it.
func projectNode(p *projectd.Project, base string) node {
	e := decodeExt(p)
	self := base + "/v1/project/" + p.UID
	due := null("due_date")
	if e.DueDate != nil {
		due = str("due_date", *e.DueDate+"T00:00:00")
	}
	num := null("number")
	if e.Number != nil {
		if s := ""; json.Unmarshal(*e.Number, &s) == nil {
			num = str("number", s)
		} else {
			num = number("number", string(*e.Number))
		}
	}
	coupon := null("coupon_value")
	if e.CouponValue != nil {
		coupon = number("coupon_value", e.CouponValue.String())
	}
	currency := "EUR"
	if e.Currency != nil {
		currency = *e.Currency
	}
	links := []node{
		link("self", self), link("urn:textking:jobs", self+"/jobs"), link("urn:textking:line_items", self+"/line-items"),
	}
	if e.BillingAddress != nil {
		links = append(links, link("urn:textking:billing_address", base+"/v1/account/address/"+*e.BillingAddress))
	}
	return object("project",
		str("id", p.UID),
		num,
		str("name", p.Name),
		due,
		str("state", e.state()),
		str("currency", currency),
		numberOr("net_price", e.NetPrice, "0"),
		numberOr("vat", e.VAT, "0"),
		optStr("coupon_name", e.CouponName),
		coupon,
		numberOr("discount_customer", e.DiscountCustomer, "0"),
		numberOr("discount_project", e.DiscountProject, "0"),
		optStr("affiliate_id", e.AffiliateID),
		optStr("billing_address", e.BillingAddress),
		array("links", "link", links...),
	)
}

func link(rel, href string) node {
	return object("link", str("rel", rel), str("href", href))
}

// value is a field of a request body: a string, or null.
type value struct {
	s    string
	null bool
}

// writable are the fields a body may set; readOnly are the rest of the model, which
// clients may send back and which are ignored.
var (
	writable = []string{"name", "due_date", "billing_address", "coupon_name", "affiliate_id", "state"}
	readOnly = []string{"id", "number", "currency", "net_price", "vat", "coupon_value", "discount_customer", "discount_project", "links"}
)

// readBody reads a JSON or XML project body into its writable fields.
func readBody(mediaType string, body []byte) (map[string]value, error) {
	var fields map[string]value
	var err error
	switch mediaType {
	case mediaJSON:
		fields, err = readJSONBody(body)
	case mediaXML:
		fields, err = readXMLBody(body)
	default:
		return nil, errUnsupportedMedia
	}
	if err != nil {
		return nil, err
	}
	for name := range fields {
		if slices.Contains(readOnly, name) {
			delete(fields, name)
		} else if !slices.Contains(writable, name) {
			return nil, projectd.Invalid(name, "unknown field %s", name)
		}
	}
	return fields, nil
}

var errUnsupportedMedia = errors.New("send the body as application/json or application/xml")

func readJSONBody(body []byte) (map[string]value, error) {
	var m map[string]json.RawMessage
	if err := httpserver.DecodeJSON(body, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, projectd.Invalid("body", "the body must be a JSON object")
	}
	fields := map[string]value{}
	for name, raw := range m {
		if string(raw) == "null" {
			fields[name] = value{null: true}
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			if slices.Contains(readOnly, name) {
				fields[name] = value{}
				continue
			}
			if date, ok := phpDateTime(raw); ok && name == "due_date" {
				fields[name] = value{s: date}
				continue
			}
			return nil, projectd.Invalid(name, "%s must be a string", name)
		}
		fields[name] = value{s: s}
	}
	return fields, nil
}

// phpDateTime reads a date as PHP's json_encode writes a DateTime, which TextKing's PHP
// client sends for due_date: {"date": "2013-06-01 00:00:00.000000", "timezone_type": 3,
// "timezone": "Europe/Berlin"}. The date is the one in that zone, as the client set it.
func phpDateTime(raw json.RawMessage) (string, bool) {
	var dt struct {
		Date         *string `json:"date"`
		TimezoneType *int    `json:"timezone_type"`
		Timezone     *string `json:"timezone"`
	}
	if httpserver.DecodeJSON(raw, &dt) != nil || dt.Date == nil || dt.TimezoneType == nil || dt.Timezone == nil {
		return "", false
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999", *dt.Date)
	if err != nil {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// readXMLBody reads <project><name>...</name>...</project>; xsi:nil="true" is null.
// Whitespace, comments, processing instructions and a DOCTYPE may stand around the
// root element; other text and further elements may not.
func readXMLBody(body []byte) (map[string]value, error) {
	if !utf8.Valid(body) {
		return nil, projectd.Invalid("body", "the body must be valid UTF-8")
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	bad := func(format string, args ...any) error { return projectd.Invalid("body", format, args...) }
	root, err := outsideRoot(d)
	if err != nil {
		return nil, err
	}
	if root == nil || root.Name.Local != "project" {
		return nil, bad("the body must be a <project> element")
	}
	fields := map[string]value{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, bad("the body is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if slices.Contains(readOnly, name) {
				if err := d.Skip(); err != nil {
					return nil, bad("the body is not well-formed XML: %v", err)
				}
				fields[name] = value{}
				continue
			}
			text, err := elementText(d, name)
			if err != nil {
				return nil, err
			}
			nilled := slices.ContainsFunc(t.Attr, func(a xml.Attr) bool { return a.Name.Local == "nil" && a.Value == "true" })
			fields[name] = value{s: text, null: nilled}
		case xml.EndElement:
			if next, err := outsideRoot(d); err != nil {
				return nil, err
			} else if next != nil {
				return nil, bad("the body must hold one <project> element")
			}
			return fields, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, bad("the body has text directly in <project>")
			}
		}
	}
}

// outsideRoot reads what may stand before or after the root element, returning the next
// element's start, or nil at the end of the document.
func outsideRoot(d *xml.Decoder) (*xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, nil
		} else if err != nil {
			return nil, projectd.Invalid("body", "the body is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, projectd.Invalid("body", "the body has text outside <project>")
			}
		}
	}
}

// elementText reads the text of the element name up to its end; comments may stand
// inside it, child elements may not (their text is never flattened into the field).
func elementText(d *xml.Decoder, name string) (string, error) {
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", projectd.Invalid("body", "the body is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			return "", projectd.Invalid(name, "%s must hold text, not the element <%s>", name, t.Name.Local)
		case xml.EndElement:
			return text.String(), nil
		}
	}
}

// clearable are the optional fields that null or "" clears on update (and leaves unset
// on create), as TextKing's PHP client sends every field, null or "" when unset.
var clearable = []string{"due_date", "billing_address", "coupon_name", "affiliate_id"}

// patch turns writable fields into the core name and an ext.textking merge patch. A null
// name or state is not given (neither can be cleared).
func patch(fields map[string]value, creating bool) (name *string, extPatch json.RawMessage, err error) {
	tk := map[string]any{}
	for field, v := range fields {
		if slices.Contains(clearable, field) && (v.null || v.s == "") {
			if !creating {
				tk[field] = nil
			}
			continue
		}
		if v.null && (field == "name" || field == "state") {
			continue
		}
		switch field {
		case "name":
			if strings.TrimSpace(v.s) == "" {
				return nil, nil, projectd.Invalid("name", "name must not be empty")
			}
			s := v.s
			name = &s
		case "due_date":
			d, err := parseDueDate(v.s)
			if err != nil {
				return nil, nil, projectd.Invalid("due_date", "due_date must be YYYY-MM-DD or a date-time")
			}
			tk[field] = d
		case "billing_address":
			u, err := uuid.Parse(v.s)
			if err != nil {
				return nil, nil, projectd.Invalid("billing_address", "billing_address must be a UUID")
			}
			tk[field] = u.String()
		case "state":
			if !slices.Contains(states, v.s) {
				return nil, nil, projectd.Invalid("state", "state must be one of %s", strings.Join(states, ", "))
			}
			if creating && v.s != "prepared" {
				return nil, nil, projectd.Invalid("state", "the state of a new project must be prepared")
			}
			tk[field] = v.s
		default: // coupon_name, affiliate_id
			tk[field] = v.s
		}
	}
	if creating {
		tk["state"] = "prepared"
	}
	if len(tk) == 0 {
		return name, nil, nil
	}
	b, err := json.Marshal(map[string]any{"textking": tk})
	return name, b, err
}

// parseDueDate takes a date or a date-time and keeps the date.
func parseDueDate(s string) (string, error) {
	for _, layout := range []string{time.DateOnly, time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	return "", errors.New("not a date")
}
