package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/mamoc-go/mamoc/decision"
	"github.com/mamoc-go/mamoc/server/api"
)

// SiteConfig describes one site of a Multi.
type SiteConfig struct {
	// Name names the site in decisions and results: 1–64 letters, digits, '-' and '_'. Required.
	Name string `json:"name"`
	// URL is the router's address: ws://HOST:8080/ws, wss://…, tcp://…. Required.
	URL string `json:"url"`
	// Kind is edge or cloud. Default edge.
	Kind decision.Kind `json:"kind"`
	// Options configure the connection; Options.Node selects one node of several joined to the
	// router at URL.
	Options Options `json:"-"`
}

// ewma is an exponentially weighted moving average; the zero value has no sample.
type ewma struct {
	v  float64
	ok bool
}

func (e *ewma) add(x, alpha float64) {
	if !e.ok {
		e.v, e.ok = x, true
		return
	}
	e.v += alpha * (x - e.v)
}

// site is one connection of a Multi: it dials, redials with backoff after the connection is lost,
// and keeps the site's live inputs for the decision engine.
type site struct {
	cfg SiteConfig
	log *slog.Logger

	stop   context.CancelFunc // stops run
	exited chan struct{}      // closed when run returns

	mu        sync.Mutex // guards the fields below
	c         *Client    // nil while the site is away
	up        chan struct{}
	rtt       ewma // ms, from stats probes
	overhead  ewma // s per call beyond the execution time
	mbps      ewma // upload Mbit/s, from resource transfers
	fail      ewma // 0 or 1 per attempt: recent failures
	stats     Stats
	statsAt   time.Time
	deployed  map[string]Deployment // by source SHA-256
	resources map[string]bool       // SHA-256s the site holds
	history   map[string]siteHistory
}

// siteHistory is the site's own statistics of one task, as fetched.
type siteHistory struct {
	stats decision.Stats
	at    time.Time
}

func newSite(cfg SiteConfig, log *slog.Logger) *site {
	return &site{cfg: cfg, log: log.With("site", cfg.Name), exited: make(chan struct{}), up: make(chan struct{}),
		deployed: map[string]Deployment{}, resources: map[string]bool{}, history: map[string]siteHistory{}}
}

// start begins connecting; the connection is kept until close.
func (s *site) start(ctx context.Context, bo func() backoff.BackOff) {
	ctx, s.stop = context.WithCancel(ctx)
	go s.run(ctx, bo)
}

// close stops the site's goroutine, closes its connection and waits.
func (s *site) close() {
	s.stop()
	<-s.exited
}

// run dials, waits for the connection to end and dials again, until ctx ends.
func (s *site) run(ctx context.Context, bo func() backoff.BackOff) {
	defer close(s.exited)
	for {
		c, err := backoff.Retry(ctx, func() (*Client, error) {
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			return Dial(dctx, s.cfg.URL, s.cfg.Options)
		}, backoff.WithBackOff(bo()), backoff.WithMaxElapsedTime(0), backoff.WithNotify(func(err error, next time.Duration) {
			s.log.Debug("site away", "err", err, "retry_in", next)
		}))
		if err != nil {
			return // ctx ended
		}
		stopStats, err := c.SubscribeStats(ctx, s.onStats)
		if err != nil {
			s.log.Debug("subscribe stats", "err", err)
			stopStats = func() {}
		}
		s.mu.Lock()
		s.c = c
		close(s.up)
		s.mu.Unlock()
		s.log.Info("site connected", "url", s.cfg.URL)
		select {
		case <-ctx.Done():
		case <-c.Done():
		}
		stopStats()
		s.mu.Lock()
		s.c = nil
		s.up = make(chan struct{})
		s.deployed = map[string]Deployment{} // a restarted site may have lost them
		s.resources = map[string]bool{}
		s.mu.Unlock()
		_ = c.Close()
		if ctx.Err() != nil {
			return
		}
		s.log.Info("site lost, reconnecting")
	}
}

func (s *site) onStats(st Stats) {
	if node := s.cfg.Options.Node; node != "" {
		if name := st.Site; name != "" && name != node {
			return // another node's sample on the shared router
		}
	}
	s.mu.Lock()
	s.stats, s.statsAt = st, time.Now()
	s.mu.Unlock()
}

// client returns the current connection, or nil while the site is away.
func (s *site) client() *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c
}

// connected returns a channel closed once the site is (or was) connected.
func (s *site) connected() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up
}

// probe refreshes the site's stats and RTT with one mamoc.stats.get when they are older than maxAge.
func (s *site) probe(ctx context.Context, maxAge time.Duration) {
	s.mu.Lock()
	c, fresh := s.c, time.Since(s.statsAt) < maxAge && s.rtt.ok
	s.mu.Unlock()
	if c == nil || fresh {
		return
	}
	start := time.Now()
	st, err := c.Stats(ctx)
	took := time.Since(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.fail.add(1, 0.3)
		return
	}
	s.rtt.add(float64(took.Microseconds())/1000, 0.3)
	s.stats, s.statsAt = st, time.Now()
}

// decisionSite returns the site as the decision engine sees it now.
func (s *site) decisionSite() decision.Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := decision.Site{Name: s.cfg.Name, Kind: s.cfg.Kind, Down: s.c == nil}
	if d.Kind == "" {
		d.Kind = decision.KindEdge
	}
	// The per-call overhead (dispatch, instance start) is a fixed cost like the RTT.
	d.RTTMillis = s.rtt.v + 1000*s.overhead.v
	if s.mbps.ok && s.mbps.v > 0 {
		d.UpMbps = s.mbps.v
	}
	if s.stats.Cores > 0 {
		d.Cores = s.stats.Cores
	}
	d.Load = min(max(s.stats.CPUPercent/100, 0), 1)
	d.Queue = max(s.stats.QueueLength, 0)
	if s.fail.ok {
		d.Availability = min(max(1-s.fail.v, 0.01), 1)
	}
	return d
}

// recordCall learns from one call on the site: its outcome, and for a success its overhead.
func (s *site) recordCall(res Result, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if failed {
		s.fail.add(1, 0.3)
		return
	}
	s.fail.add(0, 0.3)
	if res.RoundTrip > 0 {
		s.overhead.add(max(res.RoundTrip-res.ExecTime, 0).Seconds(), 0.3)
	}
}

// deploy deploys source on the site once per source SHA-256 and connection.
func (s *site) deploy(ctx context.Context, c *Client, source string) (Deployment, error) {
	sha := SHA256([]byte(source))
	s.mu.Lock()
	d, ok := s.deployed[sha]
	s.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := c.Deploy(ctx, source, "")
	if err != nil {
		return Deployment{}, err
	}
	s.mu.Lock()
	if s.c == c {
		s.deployed[sha] = d
	}
	s.mu.Unlock()
	return d, nil
}

// forget drops what the site is believed to hold, after it answered not found.
func (s *site) forget() {
	s.mu.Lock()
	s.deployed = map[string]Deployment{}
	s.resources = map[string]bool{}
	s.mu.Unlock()
}

// ensureResource makes the site hold content, uploading it only when the site lacks its hash, and
// returns the hash. An upload's throughput feeds the site's bandwidth estimate.
func (s *site) ensureResource(ctx context.Context, c *Client, name string, content []byte) (string, error) {
	sha := SHA256(content)
	s.mu.Lock()
	have := s.resources[sha]
	s.mu.Unlock()
	if have {
		return sha, nil
	}
	missing, err := c.Missing(ctx, []string{sha})
	if err != nil {
		return "", err
	}
	if len(missing) > 0 {
		start := time.Now()
		if _, err := c.PutResource(ctx, name, content); err != nil {
			return "", err
		}
		if took := time.Since(start).Seconds(); len(content) >= 64<<10 && took > 0 {
			s.mu.Lock()
			s.mbps.add(float64(len(content))*8/1e6/took, 0.3)
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	if s.c == c {
		s.resources[sha] = true
	}
	s.mu.Unlock()
	return sha, nil
}

// siteStats returns the site's own statistics of task, fetched with mamoc.history.get at most
// every maxAge; the zero Stats when the site has none or cannot answer.
func (s *site) siteStats(ctx context.Context, task string, maxAge time.Duration) decision.Stats {
	s.mu.Lock()
	h, ok := s.history[task]
	c := s.c
	s.mu.Unlock()
	if (ok && time.Since(h.at) < maxAge) || c == nil {
		return h.stats
	}
	list, err := c.History(ctx, task)
	if err != nil {
		if !errors.Is(err, ErrNoServer) {
			s.log.Debug("site history", "task", task, "err", err)
		}
		return h.stats
	}
	var st decision.Stats
	for _, x := range list {
		if x.Task == task && x.Count > st.Count {
			st = x
		}
	}
	st.Site = s.cfg.Name
	s.mu.Lock()
	s.history[task] = siteHistory{stats: st, at: time.Now()}
	s.mu.Unlock()
	return st
}

// validate checks cfg.
func (cfg *SiteConfig) validate() error {
	if !api.ValidSiteName(cfg.Name) {
		return fmt.Errorf("site name %q, want 1–64 letters, digits, '-' and '_': %w", cfg.Name, ErrBadArgument)
	}
	if cfg.URL == "" {
		return fmt.Errorf("site %s without a url: %w", cfg.Name, ErrBadArgument)
	}
	switch cfg.Kind {
	case "", decision.KindEdge, decision.KindCloud:
	default:
		return fmt.Errorf("site %s kind %q, want edge or cloud: %w", cfg.Name, cfg.Kind, ErrBadArgument)
	}
	o := cfg.Options
	o.setDefaults()
	return o.Validate()
}
