package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mamoc-go/mamoc/decision"
	"github.com/mamoc-go/mamoc/server/api"
)

// chunkState is one chunk during a job.
type chunkState struct {
	decision.Chunk
	running  bool
	done     bool
	attempts int             // failed attempts
	failedOn map[string]bool // sites that failed it
	out      Result
}

// worker is one site (or the phone) taking chunks during a job.
type worker struct {
	name  string
	site  *site // nil for the phone
	split bool  // the decision gave it a share
	alive bool
	share SiteShare
	elems int
	fails int // consecutive failures
}

// scheduler runs a job's chunks on its workers: each worker takes its own first chunk, then the
// next free one as it finishes; a failed chunk goes back for another worker.
type scheduler struct {
	m    *Multi
	job  Job
	p    plan
	done int // chunks done, for Progress

	mu      sync.Mutex // guards chunks, workers, done, fatal, wake and failovers
	chunks  []*chunkState
	workers []*worker
	fatal   error
	wake    chan struct{} // closed and replaced whenever a chunk or worker changes state
	fovers  int
}

func newScheduler(m *Multi, job Job, p plan, chunks []decision.Chunk, shares []decision.Share, sites []*site) *scheduler {
	s := &scheduler{m: m, job: job, p: p, wake: make(chan struct{})}
	for _, c := range chunks {
		s.chunks = append(s.chunks, &chunkState{Chunk: c, failedOn: map[string]bool{}})
	}
	inSplit := map[string]bool{}
	for _, sh := range shares {
		if sh.Share > 0 {
			inSplit[sh.Site] = true
		}
	}
	for _, st := range sites {
		s.workers = append(s.workers, &worker{name: st.cfg.Name, site: st, split: inSplit[st.cfg.Name], alive: st.client() != nil})
	}
	if job.Local != nil {
		s.workers = append(s.workers, &worker{name: m.cfg.Local.Name, split: inSplit[m.cfg.Local.Name], alive: true})
	}
	return s
}

// run runs every chunk and returns their results in chunk order.
func (s *scheduler) run(ctx context.Context) ([]Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.checkStuck() // no live worker at all
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range s.workers {
		if w.alive {
			wg.Go(func() { s.work(ctx, w) })
		}
	}
	// Stop the workers once the job is done, failed, or ctx ends.
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.mu.Lock()
		for s.fatal == nil && s.pending() > 0 && ctx.Err() == nil {
			s.waitChange(ctx)
		}
		s.mu.Unlock()
		cancel()
	}()
	wg.Wait()
	cancel()
	<-watched
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fatal != nil {
		return nil, s.fatal
	}
	if s.pending() > 0 {
		if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("%d of %d chunks not done: %w", s.pending(), len(s.chunks), err)
		}
		return nil, fmt.Errorf("%d of %d chunks not done: %w", s.pending(), len(s.chunks), ErrNoSite)
	}
	outs := make([]Result, len(s.chunks))
	for i, c := range s.chunks {
		outs[i] = c.out
	}
	return outs, nil
}

// pending counts the chunks not done. s.mu is held.
// waitChange releases s.mu until a chunk or worker changes state or ctx ends; s.mu is held
// on entry and on return.
func (s *scheduler) waitChange(ctx context.Context) {
	wake := s.wake
	s.mu.Unlock()
	select {
	case <-wake:
	case <-ctx.Done():
	}
	s.mu.Lock()
}

func (s *scheduler) pending() int {
	n := 0
	for _, c := range s.chunks {
		if !c.done {
			n++
		}
	}
	return n
}

// broadcast wakes every waiter. s.mu is held.
func (s *scheduler) broadcast() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// aliveRemote counts the remote workers still in the job. s.mu is held.
func (s *scheduler) aliveRemote() int {
	n := 0
	for _, w := range s.workers {
		if w.alive && w.site != nil {
			n++
		}
	}
	return n
}

// take picks the next chunk for w, or nil. s.mu is held.
//   - a worker with a share takes its own first chunk, then the lowest free chunk that is no
//     other live worker's first chunk;
//   - a worker without a share (and the phone unless it has a share) takes only chunks that
//     failed elsewhere, or any chunk once no worker with a share is left; the phone only when no
//     live site may take the chunk.
func (s *scheduler) take(w *worker) *chunkState {
	owner := map[string]*worker{}
	anySplit := false
	for _, o := range s.workers {
		owner[o.name] = o
		anySplit = anySplit || (o.alive && o.split)
	}
	var pick *chunkState
	for _, c := range s.chunks {
		if c.done || c.running || c.failedOn[w.name] {
			continue
		}
		if c.Site == w.name {
			return c
		}
		if pick != nil {
			continue
		}
		reserved := c.Site != "" && owner[c.Site] != nil && owner[c.Site].alive && c.attempts == 0
		if reserved {
			continue
		}
		switch {
		case w.site == nil && !w.split:
			if s.mayTakeRemote(c) {
				continue
			}
		case !w.split && anySplit && c.attempts == 0:
			continue
		}
		pick = c
	}
	return pick
}

// mayTakeRemote reports whether some live site has not failed c. s.mu is held.
func (s *scheduler) mayTakeRemote(c *chunkState) bool {
	for _, w := range s.workers {
		if w.alive && w.site != nil && !c.failedOn[w.name] {
			return true
		}
	}
	return false
}

// work is one worker's loop.
func (s *scheduler) work(ctx context.Context, w *worker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ctx.Err() == nil && s.fatal == nil && w.alive {
		c := s.take(w)
		if c == nil {
			if s.pending() == 0 {
				return
			}
			if s.checkStuck() {
				continue // a chunk was released for another try, or the job failed
			}
			s.waitChange(ctx)
			continue
		}
		c.running = true
		s.mu.Unlock()
		params, lines := s.p.chunkInput(c.Chunk)
		start := time.Now()
		out, err := s.runOn(ctx, w, params, lines)
		took := time.Since(start)
		s.mu.Lock()
		c.running = false
		switch {
		case err == nil:
			c.done, c.out = true, out
			if c.attempts > 0 {
				s.fovers++
			}
			w.fails = 0
			w.share.Chunks++
			w.elems += c.To - c.From
			if w.site == nil {
				w.share.ExecSec += took.Seconds()
			} else {
				w.share.ExecSec += out.ExecTime.Seconds()
				w.site.recordCall(out, false)
			}
			s.done++
			if s.job.Progress != nil {
				s.job.Progress(s.done, len(s.chunks))
			}
		case ctx.Err() != nil:
			// the job ended; not the site's fault
		case isAnswer(err) || w.site == nil:
			if s.fatal == nil {
				s.fatal = fmt.Errorf("chunk %d on %s: %w", c.Index, w.name, err)
			}
		default:
			s.m.log.Info("chunk failed, failing over", "site", w.name, "chunk", c.Index, "err", err)
			c.attempts++
			c.failedOn[w.name] = true
			w.share.Failures++
			w.fails++
			w.site.recordCall(Result{}, true)
			if errors.Is(err, ErrNotFound) {
				w.site.forget() // redeploy on the next attempt
			}
			if isTransport(err) || w.fails >= 2 {
				w.alive = false
				w.share.Status = "failed"
			}
			if c.attempts >= s.m.cfg.MaxAttempts && !s.localLeft() {
				s.fatal = fmt.Errorf("chunk %d failed %d times, last on %s: %w", c.Index, c.attempts, w.name, errors.Join(ErrNoSite, err))
			}
		}
		s.broadcast()
	}
	if !w.alive {
		s.checkStuck()
	}
}

// localLeft reports whether the phone can still take chunks. s.mu is held.
func (s *scheduler) localLeft() bool {
	for _, w := range s.workers {
		if w.site == nil && w.alive {
			return true
		}
	}
	return false
}

// checkStuck ends the job when no live worker may take a pending chunk, or lets the live ones try
// a chunk again that each of them failed once. It reports whether it changed anything. s.mu is
// held.
func (s *scheduler) checkStuck() bool {
	for _, c := range s.chunks {
		if c.done || c.running {
			continue
		}
		ok := false
		for _, w := range s.workers {
			if w.alive && (!c.failedOn[w.name]) {
				ok = true
			}
		}
		if !ok && s.running() == 0 {
			if s.aliveRemote() == 0 && !s.localLeft() {
				s.fatal = fmt.Errorf("chunk %d: every site is down or failed it: %w", c.Index, ErrNoSite)
			} else {
				// every live site failed it once; let them try again
				clear(c.failedOn)
			}
			s.broadcast()
			return true
		}
	}
	if s.aliveRemote() == 0 && !s.localLeft() && s.running() == 0 && s.fatal == nil {
		s.fatal = fmt.Errorf("every site is down or failed: %w", ErrNoSite)
		s.broadcast()
		return true
	}
	return false
}

// running counts the chunks being run. s.mu is held.
func (s *scheduler) running() int {
	n := 0
	for _, c := range s.chunks {
		if c.running {
			n++
		}
	}
	return n
}

// runOn runs one chunk on w.
func (s *scheduler) runOn(ctx context.Context, w *worker, params []any, lines *api.LineRange) (Result, error) {
	resource := s.p.resource
	if w.site == nil {
		if lines != nil {
			resource, _, _ = api.CutLines(resource, *lines)
		}
		out, err := s.job.Local(ctx, params, resource)
		if err != nil {
			return Result{}, fmt.Errorf("run locally: %w", err)
		}
		return Result{Output: out, Site: w.name}, nil
	}
	c := w.site.client()
	if c == nil {
		return Result{}, fmt.Errorf("site %s away: %w", w.name, ErrClosed)
	}
	d, err := w.site.deploy(ctx, c, s.job.Source)
	if err != nil {
		return Result{}, err
	}
	ro := RunOptions{Timeout: s.job.TaskTimeout, Lines: lines}
	if resource != nil {
		if ro.ResourceSHA256, err = w.site.ensureResource(ctx, c, s.job.ResourceName, resource); err != nil {
			return Result{}, err
		}
	}
	return c.Run(ctx, d.Task, params, ro)
}

// breakdown returns the per-site shares in the decision's ranking order and the failovers.
func (s *scheduler) breakdown(d decision.Decision, n int) ([]SiteShare, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rank := map[string]int{}
	for i, r := range d.Ranking {
		rank[r.Site] = i + 1
	}
	var out []SiteShare
	for _, w := range s.workers {
		if w.share.Chunks == 0 && w.share.Failures == 0 && !w.split {
			continue
		}
		sh := w.share
		sh.Site = w.name
		sh.Share = float64(w.elems) / float64(max(n, 1))
		if sh.Status == "" {
			sh.Status = "ok"
		}
		out = append(out, sh)
	}
	// Stable order: ranked sites first, by rank.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rankOf(rank, out[j].Site) < rankOf(rank, out[j-1].Site); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, s.fovers
}

func rankOf(rank map[string]int, site string) int {
	if r, ok := rank[site]; ok {
		return r
	}
	return 1 << 30
}

// record feeds the phone's history: every site that took part is credited with the whole work's
// execution time, the sum over all chunks (per-element extrapolation would multiply the fixed cost
// of a call by the number of elements), and charged with its failures. How fast one site is
// against another the live stats and the chunks taken as sites finish tell.
func (s *scheduler) record(p plan) {
	if p.task == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0.0
	for _, w := range s.workers {
		total += w.share.ExecSec
	}
	for _, w := range s.workers {
		for range w.share.Failures {
			s.m.hist.Record(p.task, w.name, 0, true, 0)
		}
		if w.elems > 0 && total > 0 {
			s.m.hist.Record(p.task, w.name, total, false, float64(p.n))
		}
	}
}
