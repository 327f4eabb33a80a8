package unikernel

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrBusy means the queue of calls waiting for an instance is full; it is returned at once.
	ErrBusy = errors.New("unikernel: busy")
	// ErrTimeout means a call ran past its wall-time limit; its instance was killed.
	ErrTimeout = errors.New("unikernel: task timed out")
	// ErrLimit means a call breached its memory, CPU-time or output limit; its instance was recycled.
	ErrLimit = errors.New("unikernel: task exceeded a limit")
	// ErrCanceled means the caller's context ended during the call; the task was killed.
	ErrCanceled = errors.New("unikernel: task canceled")
	// ErrCrashed means the instance died during the call (e.g. System.exit or a JVM crash).
	ErrCrashed = errors.New("unikernel: instance crashed")
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("unikernel: runtime closed")
	// ErrWeakIsolation means the driver lacks isolation features and the configuration does not accept that.
	ErrWeakIsolation = errors.New("unikernel: weak isolation not allowed")
	// ErrUnknownDriver means no driver is registered under the configured name.
	ErrUnknownDriver = errors.New("unikernel: unknown driver")
	// ErrProtocol means the guest agent sent something unexpected.
	ErrProtocol = errors.New("unikernel: agent protocol error")
	// ErrNotFound means a driver does not know the task id (WaitTask, InspectTask).
	ErrNotFound = errors.New("unikernel: not found")
)

// TaskError is an exception thrown by the task inside the guest.
type TaskError struct {
	Class   string // Java exception class, e.g. java.lang.ArithmeticException
	Message string
	Stack   string // printed stack trace, at most 8 KiB
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("task threw %s: %s", e.Class, e.Message)
}

// ArgumentError means the call's arguments do not fit any public constructor or method.
type ArgumentError struct {
	Message string
}

func (e *ArgumentError) Error() string { return "bad argument: " + e.Message }

// Diagnostic is one compiler message.
type Diagnostic struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Kind    string `json:"kind"` // ERROR, WARNING, MANDATORY_WARNING, NOTE, OTHER
	Message string `json:"message"`
	Source  string `json:"source"` // FQCN of the source unit, "" if none
}

// CompileError carries javac's diagnostics for sources that did not compile.
type CompileError struct {
	Diagnostics []Diagnostic
}

func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("compile failed")
	n := 0
	for _, d := range e.Diagnostics {
		if d.Kind != "ERROR" {
			continue
		}
		if n == 3 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; %s:%d:%d: %s", d.Source, d.Line, d.Column, d.Message)
		n++
	}
	return b.String()
}

// LimitError says which limit a call breached; it matches ErrLimit with errors.Is.
type LimitError struct {
	Limit   string // "memory", "cpu", "output"
	Message string
}

func (e *LimitError) Error() string { return fmt.Sprintf("%s limit: %s", e.Limit, e.Message) }

// Unwrap returns ErrLimit.
func (e *LimitError) Unwrap() error { return ErrLimit }
