package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Sentinels of the catalogue's own checks; WAMPError maps them to error URIs.
var (
	// ErrNotFound is an unknown task or resource.
	ErrNotFound = errors.New("not found")
	// ErrBadArgument is a request the catalogue cannot serve as given.
	ErrBadArgument = errors.New("bad argument")
	// ErrTooLarge is a source or resource over its size limit.
	ErrTooLarge = errors.New("too large")
	// ErrConflict is a deploy of another source under a task name another owner holds.
	ErrConflict = errors.New("name bound to another source by another owner")
)

// BadArgument is an ErrBadArgument with a formatted message.
func BadArgument(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadArgument, fmt.Sprintf(format, a...))
}

// Error is a Go error as a WAMP error: URI, message (args[0]) and kwargs with details.
type Error struct {
	URI     string
	Message string
	Kwargs  wamp.Dict
}

// WAMPError maps any error of deploying or running a task to its WAMP error. It is the only
// place that decides mamoc's error URIs.
func WAMPError(err error) Error {
	var (
		ce  *unikernel.CompileError
		te  *unikernel.TaskError
		ae  *unikernel.ArgumentError
		le  *unikernel.LimitError
		se  *transform.SyntaxError
		noe *transform.NotOffloadableError
	)
	switch {
	case errors.As(err, &ce):
		diags := make([]api.Diagnostic, 0, len(ce.Diagnostics))
		for _, d := range ce.Diagnostics {
			diags = append(diags, api.Diagnostic{Line: d.Line, Column: d.Column, Kind: d.Kind, Message: d.Message, Source: d.Source})
		}
		return Error{api.ErrCompile, err.Error(), api.CompileDetails(diags)}
	case errors.As(err, &se):
		return Error{api.ErrCompile, err.Error(), api.CompileDetails([]api.Diagnostic{
			{Line: se.Line, Column: se.Column, Kind: "ERROR", Message: se.Message}})}
	case errors.As(err, &noe):
		return Error{api.ErrNotOffloadable, err.Error(), api.NotOffloadableDetails(noe.Reasons)}
	case errors.Is(err, transform.ErrNoTaskClass):
		return Error{api.ErrNotOffloadable, err.Error(), nil}
	case errors.As(err, &te):
		return Error{api.ErrRuntime, err.Error(), api.RuntimeDetails(te.Class, te.Message, trimStack(te.Stack))}
	case errors.As(err, &ae):
		return Error{api.ErrBadArgument, err.Error(), nil}
	case errors.As(err, &le):
		return Error{api.ErrLimit, err.Error(), api.LimitDetails(le.Limit)}
	case errors.Is(err, unikernel.ErrLimit), errors.Is(err, transform.ErrTooLarge), errors.Is(err, ErrTooLarge),
		errors.Is(err, repository.ErrTooLarge):
		return Error{api.ErrLimit, err.Error(), nil}
	case errors.Is(err, unikernel.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return Error{api.ErrTimeout, err.Error(), nil}
	case errors.Is(err, unikernel.ErrCanceled), errors.Is(err, context.Canceled):
		return Error{api.ErrCanceled, err.Error(), nil}
	case errors.Is(err, unikernel.ErrBusy):
		return Error{api.ErrBusy, err.Error(), nil}
	case errors.Is(err, unikernel.ErrCrashed):
		return Error{api.ErrRuntime, err.Error(), api.CrashDetails("instance crashed")}
	case errors.Is(err, ErrConflict):
		return Error{api.ErrConflict, err.Error(), nil}
	case errors.Is(err, ErrNotFound), errors.Is(err, repository.ErrNotFound):
		return Error{api.ErrNotFound, err.Error(), nil}
	case errors.Is(err, ErrBadArgument), errors.Is(err, api.ErrInvalid), errors.Is(err, transform.ErrInvalidName),
		errors.Is(err, repository.ErrInvalid):
		return Error{api.ErrBadArgument, err.Error(), nil}
	}
	return Error{api.ErrInternal, err.Error(), nil}
}

// Text is the error as MAMoC's result text (phones see errors only as output).
func (e Error) Text() string { return api.ErrorText(e.URI, e.Message, e.Kwargs) }

// trimStack keeps the first lines of a Java stack trace.
func trimStack(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 12 {
		lines = append(lines[:12], "\t…")
	}
	return strings.Join(lines, "\n")
}
