package client

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// Sentinel errors. Every *Error returned by a call matches exactly one of them with errors.Is,
// chosen by its URI; errors.As gives the *Error with the details.
var (
	// ErrCompile is mamoc.error.compile: the task's Java source did not compile.
	ErrCompile = errors.New("compile error")
	// ErrRuntime is mamoc.error.runtime: the task threw an exception.
	ErrRuntime = errors.New("task runtime error")
	// ErrTimeout is mamoc.error.timeout (or the router's wamp.error.timeout).
	ErrTimeout = errors.New("task timed out")
	// ErrLimit is mamoc.error.limit: the task exceeded a memory, output or size limit.
	ErrLimit = errors.New("task limit exceeded")
	// ErrNotFound is mamoc.error.not_found: no such task or resource on the server.
	ErrNotFound = errors.New("not found")
	// ErrBadArgument is mamoc.error.bad_argument (or wamp.error.invalid_argument).
	ErrBadArgument = errors.New("bad argument")
	// ErrNotOffloadable is mamoc.error.not_offloadable: the source uses device-bound APIs.
	ErrNotOffloadable = errors.New("task not offloadable")
	// ErrBusy is mamoc.error.busy: the server has no capacity now; try again or run locally.
	ErrBusy = errors.New("server busy")
	// ErrConflict is mamoc.error.conflict: another owner deployed a different source under the
	// task's name (its FQCN or rpcname); deploy under another name.
	ErrConflict = errors.New("task name bound to another owner's source")
	// ErrUnavailable is mamoc.error.unavailable: the server is starting (building its base
	// image, opening its repository) and runs no task yet; try again shortly or run locally.
	ErrUnavailable = errors.New("server not ready")
	// ErrCanceled is wamp.error.canceled, also returned when the call's ctx ends.
	ErrCanceled = errors.New("call canceled")
	// ErrNoServer is wamp.error.no_such_procedure: no mamoc server has joined the realm.
	ErrNoServer = errors.New("no mamoc server on the realm")
	// ErrNotAuthorized is wamp.error.not_authorized: the session's role may not do this.
	ErrNotAuthorized = errors.New("not authorized")
	// ErrClosed means the client was closed or lost its connection.
	ErrClosed = errors.New("client closed")
	// ErrProtocol means the server answered in a shape the SDK does not understand.
	ErrProtocol = errors.New("unexpected answer from server")
	// ErrRemote is any other WAMP error URI.
	ErrRemote = errors.New("remote error")
)

// sentinels maps error URIs (api.Err*) to sentinels; this is the one place URIs become Go
// errors.
var sentinels = map[string]error{
	api.ErrCompile:                  ErrCompile,
	api.ErrRuntime:                  ErrRuntime,
	api.ErrTimeout:                  ErrTimeout,
	string(wamp.ErrTimeout):         ErrTimeout,
	api.ErrLimit:                    ErrLimit,
	api.ErrNotFound:                 ErrNotFound,
	api.ErrBadArgument:              ErrBadArgument,
	string(wamp.ErrInvalidArgument): ErrBadArgument,
	api.ErrNotOffloadable:           ErrNotOffloadable,
	api.ErrBusy:                     ErrBusy,
	api.ErrConflict:                 ErrConflict,
	api.ErrUnavailable:              ErrUnavailable,
	api.ErrCanceled:                 ErrCanceled,
	string(wamp.ErrNoSuchProcedure): ErrNoServer,
	string(wamp.ErrNotAuthorized):   ErrNotAuthorized,
}

// Diagnostic is one compiler message of a mamoc.error.compile.
type Diagnostic struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Kind    string `json:"kind"` // "ERROR" or "WARNING"
	Message string `json:"message"`
}

// Error is a WAMP error answered to a call. errors.Is matches it against the sentinel of its URI
// (ErrCompile for mamoc.error.compile, …) and, when a ctx ended the call, against ctx.Err().
type Error struct {
	// URI is the WAMP error URI, e.g. mamoc.error.compile.
	URI string
	// Message is the first positional argument, else kwargs["message"], else empty.
	Message string
	// Diagnostics are the compiler's messages of a mamoc.error.compile.
	Diagnostics []Diagnostic
	// Exception and Stack are the Java exception class and trimmed stack of a mamoc.error.runtime.
	Exception string
	Stack     string
	// Args and Kwargs are the error's raw payload.
	Args   []any
	Kwargs map[string]any

	cause error // ctx.Err() when the call was canceled locally
}

// Error returns "URI: message", with the first diagnostic or the exception class when present.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.URI)
	if e.Exception != "" {
		b.WriteString(": " + e.Exception)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.Diagnostics) > 0 {
		d := e.Diagnostics[0]
		fmt.Fprintf(&b, " (line %d:%d: %s", d.Line, d.Column, d.Message)
		if n := len(e.Diagnostics) - 1; n > 0 {
			fmt.Fprintf(&b, "; %d more", n)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the sentinel of e's URI and, for a local cancel, ctx.Err().
func (e *Error) Unwrap() []error {
	s, ok := sentinels[e.URI]
	if !ok {
		s = ErrRemote
	}
	if e.cause != nil {
		return []error{s, e.cause}
	}
	return []error{s}
}

// newError converts a WAMP ERROR message into an *Error.
func newError(uri string, args wamp.List, kwargs wamp.Dict) *Error {
	e := &Error{URI: uri, Args: []any(args), Kwargs: map[string]any(kwargs)}
	if len(args) > 0 {
		e.Message, _ = wamp.AsString(args[0])
	}
	d := api.ParseErrorDetails(kwargs)
	if e.Message == "" {
		e.Message = d.Message
	}
	e.Exception, e.Stack = d.Exception, d.Stack
	for _, dg := range d.Diagnostics {
		e.Diagnostics = append(e.Diagnostics, Diagnostic{Line: dg.Line, Column: dg.Column, Kind: dg.Kind, Message: dg.Message})
	}
	return e
}

// ErrorURI returns the WAMP error URI carried by err, or "" when err carries none.
func ErrorURI(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.URI
	}
	return ""
}
