package movika

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/url"
	"strconv"

	"projectd"
	"projectd/httpserver"
)

// ext holds ext.movika as stored.
type ext struct {
	Cover                *string `json:"cover"`
	ManifestChanges      *string `json:"manifestChanges"`
	LastBuiltManifestURL *string `json:"lastBuiltManifestUrl"`
	CurrentManifestURL   *string `json:"currentManifestUrl"`
	ProjectName          *string `json:"projectName"`
	BuildStatus          int     `json:"buildStatus"`
	LastBuildStatus      int     `json:"lastBuildStatus"`
	Keywords             string  `json:"keywords"`
	DeployStatus         int     `json:"deployStatus"`
	LastDeployType       int     `json:"lastDeployType"`
	DeployedTo           []int   `json:"deployedTo"`
	Modified             bool    `json:"modified"`
}

// fieldRules are the fields of ext.movika: their JSON kind and, for enums, the largest value.
var fieldRules = map[string]struct {
	kind string
	max  int
}{
	"cover": {"uri", 0}, "manifestChanges": {"string", 0}, "lastBuiltManifestUrl": {"uri", 0},
	"currentManifestUrl": {"uri", 0}, "projectName": {"name", 0}, "buildStatus": {"enum", 3},
	"lastBuildStatus": {"enum", 3}, "keywords": {"string", 0}, "deployStatus": {"enum", 3},
	"lastDeployType": {"enum", 2}, "deployedTo": {"enums", 2}, "modified": {"bool", 0},
}

// ValidateExt checks ext.movika on every write, whichever API makes it: types, enum
// ranges and absolute URIs.
func ValidateExt(ns json.RawMessage) error {
	fields, err := projectd.JSONMembers(ns)
	if err != nil {
		return projectd.Invalid("", "ext.movika must be an object")
	}
	return projectd.EachMember(fields, func(name string, raw json.RawMessage) error {
		rule, known := fieldRules[name]
		if !known {
			return projectd.Invalid(name, "unknown field %s", name)
		}
		raw = bytes.TrimSpace(raw)
		nullable := rule.kind == "uri" || rule.kind == "string" && name == "manifestChanges"
		if string(raw) == "null" && nullable {
			return nil
		}
		var s string
		var list []int
		ok := true
		switch rule.kind {
		case "uri":
			s, ok = projectd.JSONString(raw)
			u, err := url.Parse(s)
			ok = ok && err == nil && u.Scheme != "" && u.Host != ""
		case "string":
			s, ok = projectd.JSONString(raw)
			ok = ok && len(s) <= 10000
		case "name":
			s, ok = projectd.JSONString(raw)
			ok = ok && s != "" && len(s) <= 256
		case "enum":
			n, err := strconv.Atoi(string(raw)) // a JSON integer, never 1.0 or 1e0
			ok = err == nil && n >= 0 && n <= rule.max
		case "enums":
			// A set of the enum's values: at most one of each.
			ok = json.Unmarshal(raw, &list) == nil && !bytes.ContainsAny(raw, ".eE") && len(list) <= rule.max+1
			for _, v := range list {
				ok = ok && v >= 0 && v <= rule.max
			}
		case "bool":
			ok = string(raw) == "true" || string(raw) == "false"
		}
		if !ok {
			return projectd.Invalid(name, "%s must be %s", name, map[string]string{
				"uri": "an absolute URI or null", "string": "a string", "name": "a non-empty string of at most 256 bytes",
				"enum": "an integer from 0 to " + strconv.Itoa(rule.max), "enums": "an array of integers from 0 to " + strconv.Itoa(rule.max),
				"bool": "true or false",
			}[rule.kind])
		}
		return nil
	})
}

const alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// derivedProjectName is the projectName of a project that has none: 20 characters of
// [A-Za-z0-9], derived from the uid so that it never changes.
func derivedProjectName(uid string) string {
	sum := sha256.Sum256([]byte("movika projectName " + uid))
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphanumerics[int(sum[i])%len(alphanumerics)]
	}
	return string(b)
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return httpserver.AppendString(b, *s)
}

// appendProject writes a project as Studio Pro does, in the documented field order.
func appendProject(b []byte, p *projectd.Project) []byte {
	var doc struct {
		Movika ext `json:"movika"`
	}
	json.Unmarshal(p.Ext, &doc)
	e := doc.Movika
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"title":`...)
	b = httpserver.AppendString(b, p.Name)
	b = append(b, `,"cover":`...)
	b = appendOptString(b, e.Cover)
	b = append(b, `,"manifestChanges":`...)
	b = appendOptString(b, e.ManifestChanges)
	b = append(b, `,"lastBuiltManifestUrl":`...)
	b = appendOptString(b, e.LastBuiltManifestURL)
	b = append(b, `,"currentManifestUrl":`...)
	b = appendOptString(b, e.CurrentManifestURL)
	b = append(b, `,"author":{"id":`...)
	b = strconv.AppendInt(b, p.Owner.ID, 10)
	b = append(b, `,"avatarUri":`...)
	if p.Owner.AvatarURL == "" {
		b = append(b, "null"...)
	} else {
		b = httpserver.AppendString(b, p.Owner.AvatarURL)
	}
	b = append(b, `,"login":`...)
	b = httpserver.AppendString(b, p.Owner.Login)
	b = append(b, `,"firstName":`...)
	b = httpserver.AppendString(b, p.Owner.FirstName)
	b = append(b, `,"lastName":`...)
	b = httpserver.AppendString(b, p.Owner.LastName)
	b = append(b, `},"projectName":`...)
	if e.ProjectName != nil {
		b = httpserver.AppendString(b, *e.ProjectName)
	} else {
		b = httpserver.AppendString(b, derivedProjectName(p.UID))
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"buildStatus", e.BuildStatus}, {"lastBuildStatus", e.LastBuildStatus}} {
		b = append(b, `,"`+f.name+`":`...)
		b = strconv.AppendInt(b, int64(f.v), 10)
	}
	b = append(b, `,"keywords":`...)
	b = httpserver.AppendString(b, e.Keywords)
	b = append(b, `,"deployStatus":`...)
	b = strconv.AppendInt(b, int64(e.DeployStatus), 10)
	b = append(b, `,"lastDeployType":`...)
	b = strconv.AppendInt(b, int64(e.LastDeployType), 10)
	b = append(b, `,"deployedTo":[`...)
	for i, v := range e.DeployedTo {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	b = append(b, `],"modified":`...)
	b = strconv.AppendBool(b, e.Modified)
	b = append(b, `,"created":`...)
	b = httpserver.AppendTime(b, p.CreatedAt, timeLayout)
	b = append(b, `,"updatedBy":`...)
	b = httpserver.AppendString(b, p.UpdatedBy.Email)
	b = append(b, `,"updated":`...)
	b = httpserver.AppendTime(b, p.UpdatedAt, timeLayout)
	return append(b, '}')
}
