package transform

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoTaskClass is returned when the source has no public class with a public
// constructor and a public, non-static, no-argument run() method (class mode), or
// no method to wrap (method mode).
var ErrNoTaskClass = errors.New("no task class: need a public class with a public constructor and a public no-argument run()")

// ErrNotOffloadable is wrapped by *NotOffloadableError.
var ErrNotOffloadable = errors.New("not offloadable")

// ErrSyntax is wrapped by *SyntaxError.
var ErrSyntax = errors.New("syntax error")

// ErrInvalidName is returned (wrapped) for a package, class or FQCN that is not a
// plain Java identifier path and so must not reach a WAMP URI or a file name.
var ErrInvalidName = errors.New("invalid name")

// ErrTooLarge is returned (wrapped) for source longer than Options.MaxSourceBytes.
var ErrTooLarge = errors.New("source too large")

// NotOffloadableError reports why source cannot run on the server, for example
// because it uses device-bound Android APIs. It unwraps to ErrNotOffloadable.
type NotOffloadableError struct {
	// Reasons holds one human-readable reason per offending reference, in source order.
	Reasons []string
}

func (e *NotOffloadableError) Error() string {
	return "not offloadable: " + strings.Join(e.Reasons, "; ")
}

// Unwrap returns ErrNotOffloadable.
func (e *NotOffloadableError) Unwrap() error { return ErrNotOffloadable }

// SyntaxError reports the first parse error in the source. Line and Column are
// 1-based; Column counts bytes. It unwraps to ErrSyntax.
type SyntaxError struct {
	Line    int
	Column  int
	Message string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at %d:%d: %s", e.Line, e.Column, e.Message)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }
