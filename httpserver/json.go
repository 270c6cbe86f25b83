package httpserver

import (
	"bufio"
	"net/http"
	"time"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaping as encoding/json does (including
// <, >, & and U+2028/U+2029, so that the output is safe inside HTML too). Surfaces that
// write JSON by appending use it instead of encoding/json's reflection.
func AppendString(b []byte, s string) []byte {
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
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
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

// AppendTime appends t in UTC, in layout, as a JSON string.
func AppendTime(b []byte, t time.Time, layout string) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, layout)
	return append(b, '"')
}

// ServeDocument answers a fixed JSON document, such as a surface's OpenAPI document.
func ServeDocument(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, http.StatusOK, doc) }
}

// StreamWriteTimeout is how long one write of a streamed answer may wait on its client.
const StreamWriteTimeout = 10 * time.Second

// NewStreamWriter buffers a long answer (size bytes at a time) and gives each write to
// the client a deadline of its own, idle from when it starts: a client that stops reading
// is cut off after idle, not after the server's whole WriteTimeout.
func NewStreamWriter(w http.ResponseWriter, size int, idle time.Duration) *bufio.Writer {
	return bufio.NewWriterSize(deadlineWriter{w, http.NewResponseController(w), idle}, size)
}

type deadlineWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.rc.SetWriteDeadline(time.Now().Add(d.idle))
	return d.w.Write(p)
}
