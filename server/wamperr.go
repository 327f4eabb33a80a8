package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// mamoc's WAMP error URIs.
const (
	ErrURICompile        = "mamoc.error.compile"
	ErrURIRuntime        = "mamoc.error.runtime"
	ErrURITimeout        = "mamoc.error.timeout"
	ErrURILimit          = "mamoc.error.limit"
	ErrURINotFound       = "mamoc.error.not_found"
	ErrURIBadArgument    = "mamoc.error.bad_argument"
	ErrURINotOffloadable = "mamoc.error.not_offloadable"
	ErrURIBusy           = "mamoc.error.busy"
	ErrURIInternal       = "mamoc.error.internal"
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
		diags := make(wamp.List, 0, len(ce.Diagnostics))
		for _, d := range ce.Diagnostics {
			diags = append(diags, wamp.Dict{"line": d.Line, "column": d.Column, "kind": d.Kind, "message": d.Message, "source": d.Source})
		}
		return wampError{ErrURICompile, err.Error(), wamp.Dict{"diagnostics": diags}}
	case errors.As(err, &se):
		return wampError{ErrURICompile, err.Error(), wamp.Dict{"diagnostics": wamp.List{
			wamp.Dict{"line": se.Line, "column": se.Column, "kind": "ERROR", "message": se.Message}}}}
	case errors.As(err, &noe):
		reasons := make(wamp.List, 0, len(noe.Reasons))
		for _, r := range noe.Reasons {
			reasons = append(reasons, r)
		}
		return wampError{ErrURINotOffloadable, err.Error(), wamp.Dict{"reasons": reasons}}
	case errors.Is(err, transform.ErrNoTaskClass):
		return wampError{ErrURINotOffloadable, err.Error(), nil}
	case errors.As(err, &te):
		return wampError{ErrURIRuntime, err.Error(), wamp.Dict{"exception": te.Class, "message": te.Message, "stack": trimStack(te.Stack)}}
	case errors.As(err, &ae):
		return wampError{ErrURIBadArgument, err.Error(), nil}
	case errors.As(err, &le):
		return wampError{ErrURILimit, err.Error(), wamp.Dict{"limit": le.Limit}}
	case errors.Is(err, unikernel.ErrLimit), errors.Is(err, transform.ErrTooLarge), errors.Is(err, errTooLarge),
		errors.Is(err, repository.ErrTooLarge):
		return wampError{ErrURILimit, err.Error(), nil}
	case errors.Is(err, unikernel.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return wampError{ErrURITimeout, err.Error(), nil}
	case errors.Is(err, unikernel.ErrCanceled), errors.Is(err, context.Canceled):
		return wampError{string(wamp.ErrCanceled), err.Error(), nil}
	case errors.Is(err, unikernel.ErrBusy):
		return wampError{ErrURIBusy, err.Error(), nil}
	case errors.Is(err, unikernel.ErrCrashed):
		return wampError{ErrURIRuntime, err.Error(), wamp.Dict{"exception": "instance crashed"}}
	case errors.Is(err, errNotFound), errors.Is(err, repository.ErrNotFound):
		return wampError{ErrURINotFound, err.Error(), nil}
	case errors.Is(err, errBadArgument), errors.Is(err, transform.ErrInvalidName), errors.Is(err, repository.ErrInvalid):
		return wampError{ErrURIBadArgument, err.Error(), nil}
	}
	return wampError{ErrURIInternal, err.Error(), nil}
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
