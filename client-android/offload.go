package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mamoc-go/mamoc/decision"
)

// OffloaderConfig configures an Offloader. The zero value of each field means its default.
type OffloaderConfig struct {
	// Decision configures the decision engine. Default: decision's defaults with an
	// EWMA history (alpha 0.3) that the Offloader feeds with every run's execution time.
	Decision decision.Config
	// Local describes the phone. Its Kind is always local. Default name "local".
	Local decision.Site
	// Remote describes the server. Its RTTMillis, Cores, Load and Queue are refreshed from
	// mamoc.stats.get before a decision. Default name "edge", kind edge.
	Remote decision.Site
	// StatsMaxAge is how old the server's stats may be before a decision fetches them again.
	// Default 5s.
	StatsMaxAge time.Duration
	// StatsTimeout bounds fetching the stats; a server that does not answer in time counts as
	// down. Default 2s.
	StatsTimeout time.Duration
}

// recorder is the optional ability of a decision.History to learn from runs.
type recorder interface {
	Record(task, site string, execSec float64, failed bool, size float64)
}

// LocalFunc runs a task on the phone and returns its output.
type LocalFunc func(ctx context.Context) (string, error)

// Outcome is the result of an Offloader.Run.
type Outcome struct {
	// Result is the task's result; for a local run Output, ExecTime and RoundTrip are set.
	Result Result
	// Remote is true when the task ran on the server.
	Remote bool
	// Fallback is true when the server was chosen but failed to run the task (busy, gone,
	// timed out) and it ran locally instead.
	Fallback bool
	// Decision is the decision engine's answer.
	Decision decision.Decision
}

// Offloader decides per call, with the decision package, whether a task runs locally or on the
// mamoc server, and learns from the execution times. It is safe for concurrent use.
type Offloader struct {
	c      *Client
	engine *decision.Engine
	rec    recorder // nil when the history cannot record
	cfg    OffloaderConfig

	mu      sync.Mutex // guards remote and fetched
	remote  decision.Site
	fetched time.Time
}

// NewOffloader returns an Offloader that runs remote tasks through c.
func NewOffloader(c *Client, cfg OffloaderConfig) (*Offloader, error) {
	if cfg.Decision.History == nil {
		cfg.Decision.History = decision.NewEWMAHistory(0)
	}
	rec, _ := cfg.Decision.History.(recorder)
	engine, err := decision.New(cfg.Decision)
	if err != nil {
		return nil, fmt.Errorf("offloader: %w", err)
	}
	if cfg.Local.Name == "" {
		cfg.Local.Name = "local"
	}
	cfg.Local.Kind = decision.KindLocal
	if cfg.Remote.Name == "" {
		cfg.Remote.Name = "edge"
	}
	if cfg.Remote.Kind == "" {
		cfg.Remote.Kind = decision.KindEdge
	}
	if cfg.StatsMaxAge == 0 {
		cfg.StatsMaxAge = 5 * time.Second
	}
	if cfg.StatsTimeout == 0 {
		cfg.StatsTimeout = 2 * time.Second
	}
	return &Offloader{c: c, engine: engine, rec: rec, cfg: cfg, remote: cfg.Remote}, nil
}

// Decide returns where task would run now, without running it.
func (o *Offloader) Decide(ctx context.Context, task string) (decision.Decision, error) {
	d, err := o.engine.Decide(ctx, decision.Request{Task: task, Sites: []decision.Site{o.cfg.Local, o.remoteSite(ctx)}})
	if err != nil {
		return decision.Decision{}, fmt.Errorf("decide %s: %w", task, err)
	}
	return d, nil
}

// Run decides where task runs and runs it: locally with local, or on the server with params and
// ro as Client.Run does. A remote run that fails because the server is busy, gone or too slow
// falls back to local; task errors (compile, runtime, bad argument) are returned as they are.
func (o *Offloader) Run(ctx context.Context, task string, params []any, ro RunOptions, local LocalFunc) (Outcome, error) {
	d, err := o.Decide(ctx, task)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Decision: d}
	if d.Action != decision.ActionLocal && d.Target != o.cfg.Local.Name {
		res, err := o.c.Run(ctx, task, params, ro)
		o.record(task, o.cfg.Remote.Name, res.ExecTime, err != nil)
		if err == nil {
			out.Result, out.Remote = res, true
			return out, nil
		}
		if ctx.Err() != nil || !fallback(err) {
			return out, err
		}
		o.mu.Lock()
		o.fetched = time.Time{} // refresh the server's state before the next decision
		o.mu.Unlock()
		out.Fallback = true
	}
	start := time.Now()
	output, err := local(ctx)
	took := time.Since(start)
	o.record(task, o.cfg.Local.Name, took, err != nil)
	if err != nil {
		return out, fmt.Errorf("run %s locally: %w", task, err)
	}
	out.Result = Result{Output: output, ExecTime: took, RoundTrip: took, Site: o.cfg.Local.Name}
	return out, nil
}

// fallback reports whether a remote failure should be retried locally.
func fallback(err error) bool {
	for _, e := range []error{ErrBusy, ErrUnavailable, ErrNoServer, ErrClosed, ErrTimeout, ErrLimit, ErrNotOffloadable} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (o *Offloader) record(task, site string, took time.Duration, failed bool) {
	if o.rec != nil {
		o.rec.Record(task, site, took.Seconds(), failed, 0)
	}
}

// remoteSite returns the server's site with live fields at most StatsMaxAge old.
func (o *Offloader) remoteSite(ctx context.Context) decision.Site {
	o.mu.Lock()
	defer o.mu.Unlock()
	if time.Since(o.fetched) < o.cfg.StatsMaxAge {
		return o.remote
	}
	ctx, cancel := context.WithTimeout(ctx, o.cfg.StatsTimeout)
	defer cancel()
	start := time.Now()
	st, err := o.c.Stats(ctx)
	s := o.cfg.Remote
	if err != nil {
		s.Down = true
	} else {
		s.RTTMillis = float64(time.Since(start).Microseconds()) / 1000
		if st.Cores > 0 {
			s.Cores = st.Cores
		}
		s.Load = min(max(st.CPUPercent/100, 0), 1)
		s.Queue = max(st.QueueLength, 0)
	}
	o.remote, o.fetched = s, time.Now()
	return s
}
