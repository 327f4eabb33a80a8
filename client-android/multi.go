package client

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/mamoc-go/mamoc/decision"
)

// MultiConfig configures a Multi. The zero value of each field means its default.
type MultiConfig struct {
	// Decision configures the decision engine. Its History is ignored: a Multi's history is the
	// phone's own (an EWMA over every job it ran), and for a site the phone has not used yet, the
	// site's own statistics (mamoc.history.get). Default: decision's defaults.
	Decision decision.Config
	// Local describes the phone when a job has a local runner; its Kind is always local.
	// Default name "local".
	Local decision.Site
	// StatsMaxAge is how old a site's stats and RTT may be before a decision probes them again
	// with mamoc.stats.get. Default 5s.
	StatsMaxAge time.Duration
	// HistoryMaxAge is how long a site's mamoc.history.get answer is reused. Default 30s.
	HistoryMaxAge time.Duration
	// ProbeTimeout bounds the probes before a decision; a site that does not answer in time is
	// decided on with what is known. Default 2s.
	ProbeTimeout time.Duration
	// MinSplitSec is the predicted completion time, in seconds, below which a job runs whole on
	// one site even when the engine would split it: chunks cost a call each. Default 0.5.
	MinSplitSec float64
	// MaxAttempts is how many times one chunk is tried on sites before the job fails (or runs it
	// on the phone when the job has a local runner). Default 4.
	MaxAttempts int
	// ReconnectMin and ReconnectMax bound the exponential backoff between attempts to reconnect
	// a lost site. Default 100ms and 5s.
	ReconnectMin, ReconnectMax time.Duration
	// Logger receives the log. Default: discard.
	Logger *slog.Logger
}

func (c *MultiConfig) setDefaults() {
	c.Decision.History = nil
	if c.Local.Name == "" {
		c.Local.Name = "local"
	}
	c.Local.Kind = decision.KindLocal
	if c.StatsMaxAge == 0 {
		c.StatsMaxAge = 5 * time.Second
	}
	if c.HistoryMaxAge == 0 {
		c.HistoryMaxAge = 30 * time.Second
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = 2 * time.Second
	}
	if c.MinSplitSec == 0 {
		c.MinSplitSec = 0.5
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 4
	}
	if c.ReconnectMin == 0 {
		c.ReconnectMin = 100 * time.Millisecond
	}
	if c.ReconnectMax == 0 {
		c.ReconnectMax = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Multi is a phone's client of several sites: one connection per site, each reconnecting by
// itself with backoff, and Run, which decides where a job runs, splits it when that pays, fails
// chunks over to other sites and merges the outputs. It is safe for concurrent use.
type Multi struct {
	cfg    MultiConfig
	log    *slog.Logger
	engine *decision.Engine
	hist   *decision.EWMAHistory // the phone's own history

	ctx    context.Context // lifecycle of the sites' goroutines
	cancel context.CancelFunc

	mu     sync.Mutex // guards sites, order and closed
	sites  map[string]*site
	order  []string // site names in the order they were added
	closed bool
}

// NewMulti returns a Multi without sites; AddSite adds them.
func NewMulti(cfg MultiConfig) (*Multi, error) {
	cfg.setDefaults()
	hist := decision.NewEWMAHistory(0.5)
	m := &Multi{cfg: cfg, log: cfg.Logger.With("component", "multisite"), hist: hist, sites: map[string]*site{}}
	dc := cfg.Decision
	dc.History = multiHistory{m}
	engine, err := decision.New(dc)
	if err != nil {
		return nil, fmt.Errorf("multisite: %w", err)
	}
	m.engine = engine
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// AddSite adds a site and connects to it; from then on the site reconnects by itself whenever
// the connection is lost. AddSite waits until the site is connected or ctx ends; in the second
// case the site stays added, keeps trying, and the error matches ctx.Err().
func (m *Multi) AddSite(ctx context.Context, cfg SiteConfig) error {
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("add site: %w", err)
	}
	if cfg.Kind == "" {
		cfg.Kind = decision.KindEdge
	}
	if cfg.Options.Logger == nil {
		cfg.Options.Logger = m.cfg.Logger
	}
	s := newSite(cfg, m.log)
	m.mu.Lock()
	switch {
	case m.closed:
		m.mu.Unlock()
		return fmt.Errorf("add site %s: %w", cfg.Name, ErrClosed)
	case m.sites[cfg.Name] != nil || cfg.Name == m.cfg.Local.Name:
		m.mu.Unlock()
		return fmt.Errorf("add site %s: name taken: %w", cfg.Name, ErrBadArgument)
	}
	m.sites[cfg.Name] = s
	m.order = append(m.order, cfg.Name)
	s.start(m.ctx, func() backoff.BackOff {
		return &backoff.ExponentialBackOff{InitialInterval: m.cfg.ReconnectMin, RandomizationFactor: 0.3, Multiplier: 2, MaxInterval: m.cfg.ReconnectMax}
	})
	m.mu.Unlock()
	select {
	case <-s.connected():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("add site %s: not connected yet: %w", cfg.Name, ctx.Err())
	}
}

// RemoveSite closes the connection to the named site and forgets it. Jobs running on it fail their
// chunks over to the other sites.
func (m *Multi) RemoveSite(name string) error {
	m.mu.Lock()
	s := m.sites[name]
	delete(m.sites, name)
	m.order = slices.DeleteFunc(m.order, func(n string) bool { return n == name })
	m.mu.Unlock()
	if s == nil {
		return fmt.Errorf("remove site %s: %w", name, ErrNotFound)
	}
	s.close()
	return nil
}

// SiteStatus is a site as a Multi sees it now.
type SiteStatus struct {
	Name      string        `json:"name"`
	URL       string        `json:"url"`
	Node      string        `json:"node,omitempty"`
	Kind      decision.Kind `json:"kind"`
	Connected bool          `json:"connected"`
	// Site holds the live inputs the decision engine gets for the site.
	Site decision.Site `json:"site"`
}

// Sites lists the sites in the order they were added.
func (m *Multi) Sites() []SiteStatus {
	var out []SiteStatus
	for _, s := range m.snapshot() {
		ds := s.decisionSite()
		out = append(out, SiteStatus{Name: s.cfg.Name, URL: s.cfg.URL, Node: s.cfg.Options.Node, Kind: ds.Kind, Connected: !ds.Down, Site: ds})
	}
	return out
}

// snapshot returns the sites in order.
func (m *Multi) snapshot() []*site {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*site, 0, len(m.order))
	for _, n := range m.order {
		out = append(out, m.sites[n])
	}
	return out
}

// Close closes every site's connection and stops reconnecting. It is safe to call more than once.
func (m *Multi) Close() error {
	m.mu.Lock()
	m.closed = true
	sites := m.sites
	m.sites, m.order = map[string]*site{}, nil
	m.mu.Unlock()
	m.cancel()
	for _, s := range sites {
		s.close()
	}
	return nil
}

// ownHistoryOnly is the context key that keeps multiHistory to the phone's own history: for a
// divisible job a site's statistics may come from chunks of any size, so they cannot predict the
// whole.
type ownHistoryOnly struct{}

// multiHistory is the engine's History: the phone's own statistics of a task on a site, else the
// site's own (mamoc.history.get).
type multiHistory struct{ m *Multi }

func (h multiHistory) Stats(ctx context.Context, task, siteName string) (decision.Stats, error) {
	st, err := h.m.hist.Stats(ctx, task, siteName)
	if err != nil || st.Count > 0 || ctx.Value(ownHistoryOnly{}) != nil {
		return st, err
	}
	h.m.mu.Lock()
	s := h.m.sites[siteName]
	h.m.mu.Unlock()
	if s == nil {
		return decision.Stats{}, nil
	}
	return s.siteStats(ctx, task, h.m.cfg.HistoryMaxAge), nil
}
