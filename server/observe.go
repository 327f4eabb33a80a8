package server

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// workLog logs SDK work (deploys, calls, failures), bounded in rate so that a busy or
// hostile phone cannot flood the log: deploys and failures at info, each call at debug. Lines
// over the rate are counted and the count is reported with the next line that passes.
type workLog struct {
	log        *slog.Logger
	info       *rate.Limiter
	debug      *rate.Limiter
	suppressed atomic.Int64
}

func newWorkLog(log *slog.Logger) *workLog {
	return &workLog{log: log, info: rate.NewLimiter(5, 20), debug: rate.NewLimiter(20, 50)}
}

func (w *workLog) emit(level slog.Level, msg string, args ...any) {
	if w == nil || !w.log.Enabled(context.Background(), level) {
		return
	}
	lim := w.info
	if level < slog.LevelInfo {
		lim = w.debug
	}
	if !lim.Allow() {
		w.suppressed.Add(1)
		return
	}
	if n := w.suppressed.Swap(0); n > 0 {
		args = append(args, "suppressed_before", n)
	}
	w.log.Log(context.Background(), level, msg, args...)
}

// observeRun logs and counts one finished execution; errURI is "" on success.
func (o *offload) observeRun(t *task, caller, errURI, errMsg string, queue, exec, total time.Duration) {
	o.obs.observeCall(string(t.Kind), errURI, queue, exec, total)
	if errURI == "" {
		o.work.emit(slog.LevelDebug, "task ran", "task", t.Procedure, "caller", caller, "queue", queue, "exec", exec)
		return
	}
	o.work.emit(slog.LevelInfo, "task failed", "task", t.Procedure, "caller", caller, "error", errURI, "message", truncate(errMsg, 200),
		"queue", queue, "exec", exec)
}

// observeDeploy logs and counts one deploy of a task source.
func (ts *tasks) observeDeploy(d deployment, err error, took time.Duration) {
	if err != nil {
		we := toWAMP(err)
		ts.obs.observeDeploy(we.URI)
		ts.work.emit(slog.LevelInfo, "deploy refused", "error", we.URI, "message", truncate(we.Message, 200), "took", took)
		return
	}
	status := "cached"
	if d.Compiled {
		status = "compiled"
	}
	ts.obs.observeDeploy("mamoc." + status)
	ts.work.emit(slog.LevelInfo, "task deployed", "task", d.Task.Procedure, "status", status, "took", took.Round(time.Millisecond))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
