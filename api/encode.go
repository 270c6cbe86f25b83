package api

import (
	"strconv"
	"time"
	"unicode/utf8"

	"projectd"
)

// Projects are encoded by appending to a byte slice rather than through encoding/json's
// reflection: the list path writes many per request (BenchmarkEncodeProjects compares).

const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func appendProject(b []byte, p *projectd.Project) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"uid":`...)
	b = appendString(b, p.UID)
	b = append(b, `,"name":`...)
	b = appendString(b, p.Name)
	b = append(b, `,"description":`...)
	b = appendString(b, p.Description)
	b = append(b, `,"status":`...)
	b = appendString(b, p.Status)
	b = append(b, `,"owner":{"id":`...)
	b = strconv.AppendInt(b, p.Owner.ID, 10)
	b = append(b, `,"uid":`...)
	b = appendString(b, p.Owner.UID)
	b = append(b, `,"login":`...)
	b = appendString(b, p.Owner.Login)
	b = append(b, `},"workspace":`...)
	if p.Workspace == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, p.Workspace)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, p.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, p.UpdatedAt)
	b = append(b, `,"created_by":`...)
	b = appendString(b, p.CreatedBy.Login)
	b = append(b, `,"updated_by":`...)
	b = appendString(b, p.UpdatedBy.Login)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, p.Version, 10)
	b = append(b, `,"ext":`...)
	if len(p.Ext) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, p.Ext...) // validated and compacted on write
	}
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, timeLayout)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping as encoding/json does (including
// <, >, & and U+2028/U+2029, so that the output is safe inside HTML too).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
