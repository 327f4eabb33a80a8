package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mamoc-go/mamoc/decision"
	"github.com/mamoc-go/mamoc/server/api"
)

// LocalRunner runs a task, or one chunk of it, on the phone: params are the constructor's
// parameters (with the chunk's from and to for a range split) and resource the resource's content
// (the chunk's lines for a lines split), nil without one. It returns the output.
type LocalRunner func(ctx context.Context, params []any, resource []byte) (string, error)

// Job is one task for Multi.Run.
type Job struct {
	// Source is the Java source of a MAMoC task class. It is deployed on a site once per source
	// SHA-256. Required.
	Source string
	// Params are the constructor's leading parameters (Go int, int64, float64, bool, string); for
	// a range split each chunk's from and to are appended.
	Params []any
	// Resource is the content of the task's resource (its first constructor argument), nil
	// without one. It goes to each site once, by hash.
	Resource []byte
	// ResourceName names the resource on the sites. Default "resource.txt".
	ResourceName string
	// Split says how the work may be divided. Default auto.
	Split Split
	// Merge says how the chunks' outputs become one. Default auto.
	Merge Merge
	// Timeout bounds the whole job, failovers included. Default: none beyond ctx.
	Timeout time.Duration
	// TaskTimeout bounds one chunk's execution on a site. Default: the site's.
	TaskTimeout time.Duration
	// Local runs chunks on the phone: when the decision gives the phone a share, and as the last
	// resort when no site can run a chunk. Default nil: the phone runs nothing.
	Local LocalRunner
	// Progress, when set, is called after each chunk with the chunks done and their total. It
	// runs on the job's goroutines and must not block.
	Progress func(done, total int)
}

// SiteShare is one site's part of a job.
type SiteShare struct {
	Site string `json:"site"`
	// Chunks is the number of chunks the site ran to completion.
	Chunks int `json:"chunks"`
	// Share is the fraction of the work the site did, 0–1.
	Share float64 `json:"share"`
	// ExecSec is the site's execution time over its chunks in seconds (on the site, or the local
	// runner's wall time).
	ExecSec float64 `json:"exec_s"`
	// Failures is the number of the site's attempts that failed (transport lost, busy, timeout,
	// server error); each was failed over.
	Failures int `json:"failures"`
	// Status is "ok", or "failed" when the site failed and was left out of the rest of the job.
	Status string `json:"status"`
}

// JobResult is the outcome of Multi.Run.
type JobResult struct {
	// Output is the merged output; Value the merged value (a number for sum, min and max).
	Output string `json:"output"`
	Value  any    `json:"value,omitempty"`
	// Shares lists per site what it did, in the order the sites were ranked.
	Shares []SiteShare `json:"shares"`
	// Failovers is the number of chunks that ran again elsewhere after a site failed them.
	Failovers int `json:"failovers"`
	// Chunks is the number of chunks the work was cut into, Split the split that was used.
	Chunks int    `json:"chunks"`
	Split  string `json:"split"`
	// Wall is the job's duration as the phone measured it.
	Wall time.Duration `json:"-"`
	// WallSec is Wall in seconds.
	WallSec float64 `json:"wall_s"`
	// Decision is the decision engine's answer the job started from.
	Decision decision.Decision `json:"decision"`
}

// JobError is a failed job with what was done before it failed. It matches its cause with
// errors.Is: ErrDeadline (and ErrTimeout) when the job's deadline passed, ErrNoSite when no site
// could run a chunk, the task's own error (ErrRuntime, ErrCompile, …) as the sites answered it.
type JobError struct {
	Err    error
	Result JobResult
}

func (e *JobError) Error() string { return e.Err.Error() }
func (e *JobError) Unwrap() error { return e.Err }

// Errors of Multi.Run.
var (
	// ErrDeadline is a job whose Timeout passed; it also matches ErrTimeout.
	ErrDeadline = fmt.Errorf("job deadline exceeded: %w", ErrTimeout)
	// ErrNoSite is a job no site could run (all down or failing) without a local runner.
	ErrNoSite = errors.New("no site can run the job")
)

// Run decides where job runs — one site, or several with the work split into chunks — and runs
// it: sites take chunks as they finish, a chunk whose site fails runs again on another site (the
// phone last, when job.Local is set), and the outputs are merged in chunk order. A task's own
// error (an exception, a compile error) is the job's answer and is returned as it is. Every error
// is a *JobError carrying the per-site breakdown.
func (m *Multi) Run(ctx context.Context, job Job) (JobResult, error) {
	start := time.Now()
	if job.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, job.Timeout, ErrDeadline)
		defer cancel()
	}
	res, err := m.run(ctx, job)
	res.Wall = time.Since(start)
	res.WallSec = res.Wall.Seconds()
	if err != nil {
		if ctx.Err() != nil && errors.Is(context.Cause(ctx), ErrDeadline) {
			err = fmt.Errorf("after %s: %w", job.Timeout, ErrDeadline)
		}
		return res, &JobError{Err: err, Result: res}
	}
	return res, nil
}

// plan is a job resolved against a deployment: its task, split and chunks.
type plan struct {
	task     string
	split    Split
	n        int    // elements: numbers of the range, lines, or 1
	base     []any  // params before from and to
	resource []byte // the whole resource, also for a lines split
}

func (m *Multi) run(ctx context.Context, job Job) (JobResult, error) {
	var res JobResult
	if job.Source == "" {
		return res, fmt.Errorf("job without source: %w", ErrBadArgument)
	}
	if job.Split.Mode == "" {
		job.Split.Mode = SplitAuto
	}
	if job.Merge == "" {
		job.Merge = MergeAuto
	}
	if _, err := ParseMerge(string(job.Merge)); err != nil {
		return res, err
	}
	if job.ResourceName == "" {
		job.ResourceName = "resource.txt"
	}
	sites := m.snapshot()
	dep, err := m.deployAny(ctx, sites, job.Source)
	if err != nil && (job.Local == nil || isAnswer(err) || ctx.Err() != nil) {
		return res, err
	}
	p, err := resolve(job, dep)
	if err != nil {
		return res, err
	}
	res.Split = p.split.String()
	d, err := m.decide(ctx, sites, job, p)
	if err != nil {
		return res, err
	}
	res.Decision = d
	shares := d.Shares
	if d.Action == decision.ActionSplit && len(d.Ranking) > 0 && m.knowsSize(ctx, p.task, d.Ranking[0].Site) {
		if best := d.Ranking[0].Prediction; best.Source == decision.SourceHistory && best.TotalSec < m.cfg.MinSplitSec {
			shares = []decision.Share{{Site: d.Ranking[0].Site, Share: 1}}
			res.Decision.Reason += fmt.Sprintf("; whole on %s: predicted %.3f s < %.3g s", d.Ranking[0].Site, best.TotalSec, m.cfg.MinSplitSec)
		}
	}
	chunks := decision.PlanChunks(p.n, shares)
	res.Chunks = len(chunks)
	s := newScheduler(m, job, p, chunks, shares, sites)
	outs, err := s.run(ctx)
	res.Shares, res.Failovers = s.breakdown(d, p.n)
	if err != nil {
		return res, err
	}
	s.record(p)
	res.Output, res.Value, err = mergeOutputs(job.Merge, outs)
	return res, err
}

// knowsSize reports whether the phone's own history has task on site. Only that history records
// the work's size, so only it tells that a whole run would be short; a site's own statistics
// (mamoc.history.get) may come from chunks of any size.
func (m *Multi) knowsSize(ctx context.Context, task, site string) bool {
	st, err := m.hist.Stats(ctx, task, site)
	return err == nil && st.Count > 0 && st.MeanSize > 0
}

// deployAny deploys source on the first connected site that takes it, to learn the task's
// constructor. A task's own error (compile, not offloadable) is returned at once.
func (m *Multi) deployAny(ctx context.Context, sites []*site, source string) (Deployment, error) {
	var last error
	for _, s := range sites {
		c := s.client()
		if c == nil {
			continue
		}
		d, err := s.deploy(ctx, c, source)
		if err == nil {
			return d, nil
		}
		if isAnswer(err) || ctx.Err() != nil {
			return Deployment{}, err
		}
		last = fmt.Errorf("site %s: %w", s.cfg.Name, err)
	}
	if last == nil {
		return Deployment{}, fmt.Errorf("deploy: no site connected: %w", ErrNoSite)
	}
	return Deployment{}, fmt.Errorf("deploy: %w", errors.Join(ErrNoSite, last))
}

// resolve turns job's split into a plan; dep is the zero Deployment when no site answered.
func resolve(job Job, dep Deployment) (plan, error) {
	p := plan{task: dep.Task, split: job.Split, n: 1, base: job.Params, resource: job.Resource}
	ctor := dep.CtorParams
	intAt := func(i int) bool {
		return i >= 0 && i < len(ctor) && (ctor[i].Type == "int" || ctor[i].Type == "long")
	}
	if p.split.Mode == SplitAuto {
		n := len(ctor)
		switch {
		case dep.ResourceDependent && len(job.Resource) > 0:
			p.split.Mode = SplitLines
		case n >= 2 && intAt(n-1) && intAt(n-2) && len(job.Params) == n:
			from, ok1 := asInt64(job.Params[n-2])
			to, ok2 := asInt64(job.Params[n-1])
			if !ok1 || !ok2 || from >= to {
				p.split.Mode = SplitNone
				break
			}
			p.split = Split{Mode: SplitRange, From: from, To: to}
			p.base = job.Params[:n-2]
		default:
			p.split.Mode = SplitNone
		}
	}
	switch p.split.Mode {
	case SplitNone:
	case SplitLines:
		if len(job.Resource) == 0 {
			return p, fmt.Errorf("split lines without a resource: %w", ErrBadArgument)
		}
		p.n = max(len(api.SplitLines(job.Resource)), 1)
	case SplitRange:
		if dep.Task != "" && (len(ctor) < 2 || !intAt(len(ctor)-1) || !intAt(len(ctor)-2)) {
			return p, fmt.Errorf("split %s: the constructor %v does not end with two ints: %w", p.split, ctor, ErrBadArgument)
		}
		if p.split.To-p.split.From > 1<<40 {
			return p, fmt.Errorf("split %s: range too large: %w", p.split, ErrBadArgument)
		}
		p.n = int(p.split.To - p.split.From)
	default:
		return p, fmt.Errorf("split mode %q: %w", p.split.Mode, ErrBadArgument)
	}
	return p, nil
}

// asInt64 reads an integral parameter.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	}
	return 0, false
}

// chunkInput returns the params of chunk c and, for a lines split, its lines.
func (p *plan) chunkInput(c decision.Chunk) ([]any, *api.LineRange) {
	params := slices.Clone(p.base)
	switch p.split.Mode {
	case SplitRange:
		params = append(params, p.split.From+int64(c.From), p.split.From+int64(c.To))
	case SplitLines:
		return params, &api.LineRange{From: c.From, To: c.To}
	}
	return params, nil
}

// decide probes the connected sites (stats, RTT, their history of the task) at once and asks the
// engine.
func (m *Multi) decide(ctx context.Context, sites []*site, job Job, p plan) (decision.Decision, error) {
	pctx, cancel := context.WithTimeout(ctx, m.cfg.ProbeTimeout)
	var wg sync.WaitGroup
	for _, s := range sites {
		wg.Go(func() {
			s.probe(pctx, m.cfg.StatsMaxAge)
			if p.task != "" && p.n == 1 {
				s.siteStats(pctx, p.task, m.cfg.HistoryMaxAge)
			}
		})
	}
	wg.Wait()
	cancel()
	req := decision.Request{Task: p.task, Parallel: p.n > 1, NoExplore: p.n > 1, Size: float64(p.n), InputBytes: int64(len(job.Resource))}
	for _, s := range sites {
		req.Sites = append(req.Sites, s.decisionSite())
	}
	if job.Local != nil {
		req.Sites = append(req.Sites, m.cfg.Local)
	}
	if len(req.Sites) == 0 {
		return decision.Decision{}, fmt.Errorf("no sites added: %w", ErrNoSite)
	}
	dctx := ctx
	if p.n > 1 {
		dctx = context.WithValue(ctx, ownHistoryOnly{}, true)
	}
	d, err := m.engine.Decide(dctx, req)
	if errors.Is(err, decision.ErrNoSites) {
		if job.Local != nil {
			return decision.Decision{Action: decision.ActionLocal, Target: m.cfg.Local.Name, Shares: []decision.Share{{Site: m.cfg.Local.Name, Share: 1}}, Reason: "no site is up"}, nil
		}
		return decision.Decision{}, fmt.Errorf("decide: %w", errors.Join(ErrNoSite, err))
	}
	if err != nil {
		return decision.Decision{}, fmt.Errorf("decide: %w", err)
	}
	return d, nil
}

// isAnswer reports whether err is the task's own answer (its exception, a compile error, a bad
// argument), which no other site would answer differently, rather than a failure of the site.
func isAnswer(err error) bool {
	for _, e := range []error{ErrRuntime, ErrCompile, ErrBadArgument, ErrNotOffloadable, ErrLimit, ErrNotAuthorized} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// isTransport reports whether err means the site is gone, not just failing this chunk.
func isTransport(err error) bool {
	return errors.Is(err, ErrClosed) || errors.Is(err, ErrNoServer)
}
