package server

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/server/catalog"
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

// observingRecorder is the catalogue's execution recorder: every finished execution passes
// through it once, is counted and logged, and goes on to the repository's group commit.
type observingRecorder struct {
	s    *Server
	repo *repository.DB
}

var _ catalog.Recorder = observingRecorder{}

// recorder returns the catalogue's recorder for repo.
func (s *Server) recorder(repo *repository.DB) catalog.Recorder {
	return observingRecorder{s: s, repo: repo}
}

func (r observingRecorder) RecordExecution(ctx context.Context, e repository.Execution) (string, error) {
	r.s.observeExecution(e)
	rec, err := r.repo.RecordExecution(ctx, e)
	return rec.ID, err
}

// observeExecution counts and logs one finished execution.
func (s *Server) observeExecution(e repository.Execution) {
	kind := "unknown"
	s.mu.Lock()
	off := s.off
	s.mu.Unlock()
	if off != nil {
		if t, ok := off.cat.Lookup(catalog.Caller{}, e.Task); ok {
			kind = string(t.Kind)
		}
	}
	total := e.EndedAt.Sub(e.QueuedAt)
	s.metrics.observeCall(kind, e.ErrorURI, e.QueueTime, e.ExecTime, total)
	if e.ErrorURI == "" {
		s.work.emit(slog.LevelDebug, "task ran", "task", e.Task, "caller", e.CallerAuthID, "queue", e.QueueTime, "exec", e.ExecTime)
		return
	}
	s.work.emit(slog.LevelInfo, "task failed", "task", e.Task, "caller", e.CallerAuthID, "error", e.ErrorURI,
		"message", truncate(e.ErrorMessage, 200), "queue", e.QueueTime, "exec", e.ExecTime)
}

// observeDeploy logs and counts one deploy of a task source.
func (o *offload) observeDeploy(d catalog.Deployment, err error, took time.Duration) {
	if err != nil {
		we := catalog.WAMPError(err)
		o.obs.observeDeploy(we.URI)
		o.work.emit(slog.LevelInfo, "deploy refused", "error", we.URI, "message", truncate(we.Message, 200), "took", took)
		return
	}
	status := "cached"
	if d.Compiled {
		status = "compiled"
	}
	o.obs.observeDeploy(api.PrefixMamoc + status)
	o.work.emit(slog.LevelInfo, "task deployed", "task", d.Task.Procedure, "status", status, "took", took.Round(time.Millisecond))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// shortHash is the first 12 characters of a hash, for people.
func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
