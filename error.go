package projectd

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Application error codes. Each transport maps them to its own status and shape in one place.
const (
	EINVALID      = "invalid"             // bad input; Field names the parameter or body field
	EUNAUTHORIZED = "unauthorized"        // no or bad credentials
	EFORBIDDEN    = "forbidden"           // a valid caller without the right
	ENOTFOUND     = "not_found"           // missing, or not visible to the caller
	ECONFLICT     = "conflict"            // unique value taken, or a state that forbids the change
	EPRECONDITION = "precondition_failed" // If-Match did not match the current version
	ETOOMANY      = "too_many_requests"   // over a rate limit; RetryAfter says for how long
	EUNAVAILABLE  = "unavailable"         // the database cannot take the request now; RetryAfter says when to try again
	EINTERNAL     = "internal"            // anything else; never shown in detail to callers
)

// ErrMigrationsPending is what a store's readiness check wraps when its schema is older than
// the running binary: the server answers, but must not be sent traffic.
var ErrMigrationsPending = errors.New("migrations pending")

// Error is an application error: a code, the offending field if any, and a human message.
type Error struct {
	Code    string
	Field   string
	Message string
	// RetryAfter is how long an ETOOMANY or EUNAVAILABLE caller should wait.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("projectd: %s (%s): %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("projectd: %s: %s", e.Code, e.Message)
}

// Errorf returns an application error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the application code of err, EINTERNAL for a non-application error
// and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// TooMany returns an ETOOMANY error: wait is how long until the budget allows again.
func TooMany(wait time.Duration, format string, args ...any) *Error {
	return &Error{Code: ETOOMANY, Message: fmt.Sprintf(format, args...), RetryAfter: wait}
}

// Unavailable returns an EUNAVAILABLE error: the store cannot serve the request now (its
// primary is down or failing over), and wait is when to try again.
func Unavailable(wait time.Duration, format string, args ...any) *Error {
	return &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf(format, args...), RetryAfter: wait}
}

// RetryAfter returns the whole seconds an ETOOMANY or EUNAVAILABLE error asks the caller
// to wait (at least 1), for a Retry-After header; 0 for any other error.
func RetryAfter(err error) int {
	var e *Error
	if !errors.As(err, &e) || (e.Code != ETOOMANY && e.Code != EUNAVAILABLE) {
		return 0
	}
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// ErrorField returns the field an application error names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMessage returns the human message of an application error, or "Internal error."
// so that internal details never reach a caller.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
