package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Sentinels of the server's own checks; wampError maps them to URIs.
var (
	errNotFound    = errors.New("not found")
	errBadArgument = errors.New("bad argument")
	errTooLarge    = errors.New("too large")
)

// wampError is a Go error as a WAMP ERROR: URI, args [message] and kwargs with details.
type wampError struct {
	URI     string
	Message string
	Kwargs  wamp.Dict
}

// toWAMP maps any error of the offload path to its WAMP error. It is the only place that
// decides error URIs.
func toWAMP(err error) wampError {
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
		return wampError{api.ErrCompile, err.Error(), api.CompileDetails(diags)}
	case errors.As(err, &se):
		return wampError{api.ErrCompile, err.Error(), api.CompileDetails([]api.Diagnostic{
			{Line: se.Line, Column: se.Column, Kind: "ERROR", Message: se.Message}})}
	case errors.As(err, &noe):
		return wampError{api.ErrNotOffloadable, err.Error(), api.NotOffloadableDetails(noe.Reasons)}
	case errors.Is(err, transform.ErrNoTaskClass):
		return wampError{api.ErrNotOffloadable, err.Error(), nil}
	case errors.As(err, &te):
		return wampError{api.ErrRuntime, err.Error(), api.RuntimeDetails(te.Class, te.Message, trimStack(te.Stack))}
	case errors.As(err, &ae):
		return wampError{api.ErrBadArgument, err.Error(), nil}
	case errors.As(err, &le):
		return wampError{api.ErrLimit, err.Error(), api.LimitDetails(le.Limit)}
	case errors.Is(err, unikernel.ErrLimit), errors.Is(err, transform.ErrTooLarge), errors.Is(err, errTooLarge),
		errors.Is(err, repository.ErrTooLarge):
		return wampError{api.ErrLimit, err.Error(), nil}
	case errors.Is(err, unikernel.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return wampError{api.ErrTimeout, err.Error(), nil}
	case errors.Is(err, unikernel.ErrCanceled), errors.Is(err, context.Canceled):
		return wampError{api.ErrCanceled, err.Error(), nil}
	case errors.Is(err, unikernel.ErrBusy):
		return wampError{api.ErrBusy, err.Error(), nil}
	case errors.Is(err, unikernel.ErrCrashed):
		return wampError{api.ErrRuntime, err.Error(), api.CrashDetails("instance crashed")}
	case errors.Is(err, errNotFound), errors.Is(err, repository.ErrNotFound):
		return wampError{api.ErrNotFound, err.Error(), nil}
	case errors.Is(err, errBadArgument), errors.Is(err, api.ErrInvalid), errors.Is(err, transform.ErrInvalidName), errors.Is(err, repository.ErrInvalid):
		return wampError{api.ErrBadArgument, err.Error(), nil}
	}
	return wampError{api.ErrInternal, err.Error(), nil}
}

// invokeError is err as the result of a procedure.
func invokeError(err error) nxclient.InvokeResult {
	we := toWAMP(err)
	return nxclient.InvokeResult{Err: wamp.URI(we.URI), Args: wamp.List{we.Message}, Kwargs: we.Kwargs}
}

// badArg is a bad_argument error with a formatted message.
func badArg(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errBadArgument, fmt.Sprintf(format, a...))
}

// trimStack keeps the first lines of a Java stack trace.
func trimStack(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 12 {
		lines = append(lines[:12], "\t…")
	}
	return strings.Join(lines, "\n")
}
