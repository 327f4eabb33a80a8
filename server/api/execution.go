package api

import (
	"time"

	"github.com/gammazero/nexus/v3/wamp"
)

// Execution is ProcExecutionGet's result: one recorded execution of a task.
type Execution struct {
	ID, Task, Site string
	// Status is "done", "failed", "timed_out" or "cancelled".
	Status              string
	QueueTime, ExecTime time.Duration
	OutputSize          int64 // bytes
	// ErrorURI and ErrorMessage describe a failed execution.
	ErrorURI, ErrorMessage string
	QueuedAt, EndedAt      time.Time
}

// Kwargs returns the execution's kwargs (times in RFC 3339 with nanoseconds).
func (e Execution) Kwargs() wamp.Dict {
	return wamp.Dict{
		"id": e.ID, "task": e.Task, "site": e.Site, "status": e.Status,
		"queue_time_s": e.QueueTime.Seconds(), "exec_time_s": e.ExecTime.Seconds(),
		"output_size": e.OutputSize, "error_uri": e.ErrorURI, "error_message": e.ErrorMessage,
		"queued_at": e.QueuedAt.Format(time.RFC3339Nano), "ended_at": e.EndedAt.Format(time.RFC3339Nano),
	}
}

// ParseExecution reads an execution; unreadable times are zero.
func ParseExecution(kw wamp.Dict) Execution {
	e := Execution{
		ID: str(kw, "id"), Task: str(kw, "task"), Site: str(kw, "site"), Status: str(kw, "status"),
		QueueTime: seconds(float(kw, "queue_time_s")), ExecTime: seconds(float(kw, "exec_time_s")),
		OutputSize: integer(kw, "output_size"), ErrorURI: str(kw, "error_uri"), ErrorMessage: str(kw, "error_message"),
	}
	e.QueuedAt, _ = time.Parse(time.RFC3339Nano, str(kw, "queued_at"))
	e.EndedAt, _ = time.Parse(time.RFC3339Nano, str(kw, "ended_at"))
	return e
}
