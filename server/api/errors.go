package api

import (
	"fmt"

	"github.com/gammazero/nexus/v3/wamp"
)

// Diagnostic is one compiler message of an ErrCompile.
type Diagnostic struct {
	Line, Column int
	Kind         string // "ERROR" or "WARNING"
	Message      string
	Source       string // the offending source line, when known
}

// ErrorDetails are the kwargs of a mamoc error: Diagnostics of ErrCompile; Exception, Message
// and Stack of ErrRuntime; Limit of ErrLimit; Reasons of ErrNotOffloadable.
type ErrorDetails struct {
	Diagnostics []Diagnostic
	Exception   string
	Message     string
	Stack       string
	Limit       string // "memory", "cpu", "output"
	Reasons     []string
}

// CompileDetails are ErrCompile's kwargs {diagnostics: [{line, column, kind, message, source}]}.
func CompileDetails(diags []Diagnostic) wamp.Dict {
	l := make(wamp.List, 0, len(diags))
	for _, d := range diags {
		m := wamp.Dict{"line": d.Line, "column": d.Column, "kind": d.Kind, "message": d.Message}
		if d.Source != "" {
			m["source"] = d.Source
		}
		l = append(l, m)
	}
	return wamp.Dict{"diagnostics": l}
}

// RuntimeDetails are ErrRuntime's kwargs {exception, message, stack}.
func RuntimeDetails(exception, message, stack string) wamp.Dict {
	return wamp.Dict{"exception": exception, "message": message, "stack": stack}
}

// CrashDetails are ErrRuntime's kwargs for an instance that died: {exception}.
func CrashDetails(what string) wamp.Dict { return wamp.Dict{"exception": what} }

// LimitDetails are ErrLimit's kwargs {limit}.
func LimitDetails(limit string) wamp.Dict { return wamp.Dict{"limit": limit} }

// NotOffloadableDetails are ErrNotOffloadable's kwargs {reasons}.
func NotOffloadableDetails(reasons []string) wamp.Dict { return wamp.Dict{"reasons": list(reasons)} }

// ParseErrorDetails reads an error's kwargs.
func ParseErrorDetails(kw wamp.Dict) ErrorDetails {
	e := ErrorDetails{Exception: str(kw, "exception"), Message: str(kw, "message"), Stack: str(kw, "stack"),
		Limit: str(kw, "limit"), Reasons: stringList(kw["reasons"])}
	ds, _ := wamp.AsList(kw["diagnostics"])
	for _, d := range ds {
		dm, _ := wamp.AsDict(d)
		e.Diagnostics = append(e.Diagnostics, Diagnostic{
			Line: int(integer(dm, "line")), Column: int(integer(dm, "column")),
			Kind: str(dm, "kind"), Message: str(dm, "message"), Source: str(dm, "source"),
		})
	}
	return e
}

// ErrorText is an error as MAMoC's result text (phones see errors only as output): the URI,
// the message and one line per compiler diagnostic.
func ErrorText(uri, message string, kw wamp.Dict) string {
	s := uri + ": " + message
	for _, d := range ParseErrorDetails(kw).Diagnostics {
		s += fmt.Sprintf("\nline %d:%d: %s", d.Line, d.Column, d.Message)
	}
	return s
}
