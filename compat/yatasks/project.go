package yatasks

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"projectd"
	"projectd/httpserver"
)

// extFields are the fields of a Toloka project kept in ext.tasks, in the order the API
// writes them.
var extFields = []string{
	"public_instructions", "private_comment", "task_spec", "assignments_issuing_type",
	"assignments_issuing_view_config", "assignments_automerge_enabled", "max_active_assignments_count",
	"quality_control", "localization_config", "metadata", "sensitive",
}

// readOnlyFields are fields of the project model that clients send back and the API
// ignores on writes.
var readOnlyFields = map[string]bool{"id": true, "owner": true, "status": true, "created": true}

// kinds of ext.tasks fields, for validation.
var fieldKinds = map[string]string{
	"public_instructions": "string", "private_comment": "string", "task_spec": "task_spec",
	"assignments_issuing_type": "issuing_type", "assignments_issuing_view_config": "object",
	"assignments_automerge_enabled": "bool", "max_active_assignments_count": "count",
	"quality_control": "object", "localization_config": "object", "metadata": "object", "sensitive": "bool",
}

// checkField validates one ext.tasks field; it returns a Toloka code and a message, or "".
func checkField(name string, raw json.RawMessage) (code, message string) {
	raw = bytes.TrimSpace(raw)
	isObject := len(raw) > 0 && raw[0] == '{'
	switch fieldKinds[name] {
	case "string":
		s, ok := projectd.JSONString(raw)
		if !ok {
			return "INVALID_VALUE", name + " must be a string"
		}
		if utf8.RuneCountInString(s) > projectd.MaxDescriptionLen {
			return "VALUE_GREATER_THAN_MAX", name + " must be at most 10000 characters"
		}
	case "object":
		if !isObject {
			return "INVALID_VALUE", name + " must be an object"
		}
	case "bool":
		if string(raw) != "true" && string(raw) != "false" {
			return "INVALID_VALUE", name + " must be true or false"
		}
	case "count":
		n, err := strconv.ParseInt(string(raw), 10, 32)
		if err != nil {
			return "INVALID_NUMBER", name + " must be an integer"
		}
		if n < 1 {
			return "VALUE_LESS_THAN_MIN", name + " must be at least 1"
		}
	case "issuing_type":
		if s, _ := projectd.JSONString(raw); s != "AUTOMATED" && s != "MAP_SELECTOR" {
			return "UNKNOWN_ENUM_VALUE", name + " must be AUTOMATED or MAP_SELECTOR"
		}
	case "task_spec":
		spec, err := projectd.JSONMembers(raw)
		if !isObject || err != nil {
			return "INVALID_VALUE", "task_spec must be an object"
		}
		for _, part := range []string{"input_spec", "output_spec"} {
			if v, ok := spec[part]; !ok || !bytes.HasPrefix(bytes.TrimSpace(v), []byte("{")) {
				return "VALUE_REQUIRED", "task_spec." + part + " must be an object"
			}
		}
		if v, ok := spec["view_spec"]; ok && !bytes.HasPrefix(bytes.TrimSpace(v), []byte("{")) {
			return "INVALID_VALUE", "task_spec.view_spec must be an object"
		}
	default:
		return "UNKNOWN_FIELD", "unknown field " + name
	}
	return "", ""
}

// ValidateExt checks ext.tasks on every write, whichever API makes it.
func ValidateExt(ns json.RawMessage) error {
	fields, err := projectd.JSONMembers(ns)
	if err != nil {
		return projectd.Invalid("", "ext.tasks must be an object")
	}
	return projectd.EachMember(fields, func(name string, raw json.RawMessage) error {
		if code, msg := checkField(name, raw); code != "" {
			return projectd.Invalid(name, "%s", msg)
		}
		return nil
	})
}

// projectForm is a create or replace body, validated.
type projectForm struct {
	name, description string
	tasks             map[string]json.RawMessage
}

// parseForm reads and validates a Toloka project body; every problem is reported at once.
func parseForm(body []byte) (*projectForm, validation) {
	v := validation{}
	var m map[string]json.RawMessage
	if err := httpserver.DecodeJSON(body, &m); err != nil || m == nil {
		field := projectd.ErrorField(err)
		if field == "" {
			field = "body"
		}
		v.add(field, "INVALID_VALUE", "%s", projectd.ErrorMessage(err))
		if m == nil && err == nil {
			v["body"] = fieldError{"INVALID_VALUE", "the body must be a JSON object"}
		}
		return nil, v
	}
	f := &projectForm{tasks: map[string]json.RawMessage{}}
	for _, req := range []string{"public_name", "public_description", "task_spec", "assignments_issuing_type"} {
		if raw, ok := m[req]; !ok || string(raw) == "null" {
			v.add(req, "VALUE_REQUIRED", "%s is required", req)
		}
	}
	for name, raw := range m {
		switch {
		case readOnlyFields[name], string(raw) == "null" && fieldKinds[name] != "":
			// read-only fields are ignored; null means unset
		case name == "public_name", name == "public_description":
			var s string
			if json.Unmarshal(raw, &s) != nil {
				v.add(name, "INVALID_VALUE", "%s must be a string", name)
				continue
			}
			max := projectd.MaxNameLen
			if name == "public_description" {
				max = projectd.MaxDescriptionLen
				f.description = s
			} else {
				f.name = s
			}
			if n := utf8.RuneCountInString(s); n > max {
				v.add(name, "VALUE_GREATER_THAN_MAX", "%s must be at most %d characters", name, max)
			} else if name == "public_name" && strings.TrimSpace(s) == "" {
				v.add(name, "VALUE_REQUIRED", "public_name must not be empty")
			}
		default:
			if code, msg := checkField(name, raw); code != "" {
				v.add(name, code, "%s", msg)
				continue
			}
			f.tasks[name] = raw
		}
	}
	if len(v) > 0 {
		return nil, v
	}
	return f, nil
}

// ext returns the ext document of the form; with replace, fields the form leaves out are
// removed (a merge patch that nulls them).
func (f *projectForm) ext(replace bool) json.RawMessage {
	b := []byte(`{"tasks":{`)
	first := true
	for _, name := range extFields {
		raw, ok := f.tasks[name]
		if !ok && !replace {
			continue
		}
		if !ok {
			raw = json.RawMessage("null")
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = httpserver.AppendString(b, name)
		b = append(b, ':')
		b = append(b, raw...)
	}
	return append(b, "}}"...)
}

// appendProject writes a project as the Toloka API does: the core fields mapped, the
// ext.tasks fields passed through as they were stored, unset ones left out.
func appendProject(b []byte, p *projectd.Project, caller *projectd.User) []byte {
	var ext struct {
		Tasks map[string]json.RawMessage `json:"tasks"`
	}
	json.Unmarshal(p.Ext, &ext)
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `","public_name":`...)
	b = httpserver.AppendString(b, p.Name)
	b = append(b, `,"public_description":`...)
	b = httpserver.AppendString(b, p.Description)
	for _, name := range extFields {
		raw, ok := ext.Tasks[name]
		switch {
		case name == "assignments_issuing_type" && !ok:
			raw, ok = json.RawMessage(`"AUTOMATED"`), true
		case name == "assignments_automerge_enabled" && !ok:
			raw, ok = json.RawMessage(`false`), true
		}
		if !ok {
			continue
		}
		b = append(b, ',')
		b = httpserver.AppendString(b, name)
		b = append(b, ':')
		b = append(b, raw...)
	}
	b = append(b, `,"owner":{"id":"`...)
	b = append(b, strings.ReplaceAll(p.Owner.UID, "-", "")...)
	b = append(b, `","myself":`...)
	b = strconv.AppendBool(b, caller != nil && caller.ID == p.Owner.ID)
	b = append(b, `},"status":`...)
	if p.Status == projectd.StatusArchived {
		b = append(b, `"ARCHIVED"`...)
	} else {
		b = append(b, `"ACTIVE"`...)
	}
	b = append(b, `,"created":`...)
	b = httpserver.AppendTime(b, p.CreatedAt, timeLayout)
	return append(b, '}')
}
