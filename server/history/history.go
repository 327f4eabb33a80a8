// Package history (directory server/history) is the decision engine's history read from the
// repository's execution records: per task and site, the count, mean, median and 95th
// percentile of the execution time, the failure rate and when the task last ran there. It
// answers from memory and reloads the statistics when they are older than MaxAge, so a
// decision never waits for more than one query.
package history

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/mamoc-go/mamoc/decision"
	"github.com/mamoc-go/mamoc/repository"
)

// Source is what the history needs from the repository.
type Source interface {
	// ExecutionStatsAll summarises the executions queued at or after since per (task, site).
	ExecutionStatsAll(ctx context.Context, since time.Time) ([]repository.Stats, error)
}

// Config configures a History. The zero value of each field means its default.
type Config struct {
	// Window is how far back executions count; default 24h.
	Window time.Duration
	// MaxAge is how old the statistics in memory may be before a read reloads them; default 5s.
	MaxAge time.Duration
	// Now returns the current time; default time.Now.
	Now func() time.Time
}

func (c *Config) setDefaults() {
	if c.Window <= 0 {
		c.Window = 24 * time.Hour
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Record is the history of one task at one site.
type Record struct {
	Task, Site  string
	Count       int     // executions that ended (done, failed, timed out)
	FailureRate float64 // failed and timed-out share of Count, 0–1
	// Mean, P50 and P95 are over the successful executions; zero without any.
	Mean, P50, P95 time.Duration
	// LastSeen is when the newest execution was queued.
	LastSeen time.Time
}

// History is a decision.History over the repository. It is safe for concurrent use.
type History struct {
	src Source
	cfg Config

	mu      sync.Mutex // guards byKey, loaded and loading
	byKey   map[decision.TaskSite]Record
	loaded  time.Time     // when byKey was read, zero before the first load
	loading chan struct{} // closed when the running load ends; nil when none runs
}

var _ decision.History = (*History)(nil)

// New returns a History reading from src.
func New(src Source, cfg Config) (*History, error) {
	if src == nil {
		return nil, errors.New("history: no source")
	}
	cfg.setDefaults()
	return &History{src: src, cfg: cfg, byKey: map[decision.TaskSite]Record{}}, nil
}

// Stats returns task's statistics at site for the decision engine; a pair without executions
// is the zero Stats.
func (h *History) Stats(ctx context.Context, task, site string) (decision.Stats, error) {
	r, err := h.Get(ctx, task, site)
	if err != nil {
		return decision.Stats{}, err
	}
	return decision.Stats{Task: task, Site: site, Count: r.Count, MeanSec: r.Mean.Seconds(),
		P50Sec: r.P50.Seconds(), P95Sec: r.P95.Seconds(), FailureRate: r.FailureRate}, nil
}

// Get returns the record of task at site; without executions it is empty but for Task and
// Site.
func (h *History) Get(ctx context.Context, task, site string) (Record, error) {
	if err := h.fresh(ctx); err != nil {
		return Record{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.byKey[decision.TaskSite{Task: task, Site: site}]
	if !ok {
		r = Record{Task: task, Site: site}
	}
	return r, nil
}

// List returns every record, ordered by task then site; task "" lists every task, else
// only that task's sites.
func (h *History) List(ctx context.Context, task string) ([]Record, error) {
	if err := h.fresh(ctx); err != nil {
		return nil, err
	}
	h.mu.Lock()
	out := make([]Record, 0, len(h.byKey))
	for _, r := range h.byKey {
		if task == "" || r.Task == task {
			out = append(out, r)
		}
	}
	h.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Task != out[j].Task {
			return out[i].Task < out[j].Task
		}
		return out[i].Site < out[j].Site
	})
	return out, nil
}

// fresh reloads the statistics when they are older than MaxAge; concurrent readers wait for
// one load.
func (h *History) fresh(ctx context.Context) error {
	for {
		h.mu.Lock()
		if !h.loaded.IsZero() && h.cfg.Now().Sub(h.loaded) < h.cfg.MaxAge {
			h.mu.Unlock()
			return nil
		}
		if wait := h.loading; wait != nil {
			h.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		done := make(chan struct{})
		h.loading = done
		h.mu.Unlock()

		err := h.load(ctx)
		h.mu.Lock()
		h.loading = nil
		h.mu.Unlock()
		close(done)
		return err
	}
}

// load replaces the records with the repository's statistics over the window.
func (h *History) load(ctx context.Context) error {
	now := h.cfg.Now()
	stats, err := h.src.ExecutionStatsAll(ctx, now.Add(-h.cfg.Window))
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	byKey := make(map[decision.TaskSite]Record, len(stats))
	for _, s := range stats {
		byKey[decision.TaskSite{Task: s.Task, Site: s.Site}] = Record{Task: s.Task, Site: s.Site, Count: s.Count,
			FailureRate: s.FailureRate, Mean: s.Mean, P50: s.P50, P95: s.P95, LastSeen: s.LastSeen}
	}
	h.mu.Lock()
	h.byKey, h.loaded = byKey, now
	h.mu.Unlock()
	return nil
}
