package client

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// Stats is one sample of a mamoc server's resources, as mamoc.stats.get answers and the stats
// topic carries it every 5 s. Fields the server does not send are zero.
type Stats struct {
	// CPUMHzTotal is the maximum clock in MHz times the number of cores (MAMoC's cpu).
	CPUMHzTotal float64 `json:"cpu_mhz_total"`
	// MemTotalMB is the total memory in MB (MAMoC's mem).
	MemTotalMB float64 `json:"mem_total_mb"`
	// Battery is the server's battery charge in percent, -1 without a battery (MAMoC's battery).
	Battery float64 `json:"battery"`
	// CPUPercent is the CPU utilisation over all cores, 0–100.
	CPUPercent float64 `json:"cpu_percent"`
	// Load1 is the one-minute load average.
	Load1 float64 `json:"load1"`
	// MemFreeMB is the available memory in MB.
	MemFreeMB float64 `json:"mem_free_mb"`
	// Cores is the number of logical cores.
	Cores int `json:"cores"`
	// QueueLength, RunningInstances and WarmInstances are the runtime's calls waiting, calls
	// running and idle warm instances.
	QueueLength      int `json:"queue_length"`
	RunningInstances int `json:"running_instances"`
	WarmInstances    int `json:"warm_instances"`
	// ServerID and Version identify the server.
	ServerID string `json:"server_id"`
	Version  string `json:"version"`
	// Uptime is how long the server has been running.
	Uptime time.Duration `json:"uptime"`
	// Site is the server's site name and SiteKind edge or cloud, when the server sends them.
	Site     string `json:"site,omitempty"`
	SiteKind string `json:"site_kind,omitempty"`
	// Kwargs holds every keyword the server sent, the ones above included.
	Kwargs map[string]any `json:"kwargs,omitempty"`
}

// parseStats decodes a stats result or event (api.Stats).
func parseStats(args wamp.List, kw wamp.Dict) Stats {
	return statsOf(api.ParseStats(args, kw), kw)
}

// statsOf converts the wire stats w, whose kwargs were kw.
func statsOf(w api.Stats, kw wamp.Dict) Stats {
	return Stats{
		CPUMHzTotal: w.CPUMHzTotal, MemTotalMB: w.MemTotalMB, Battery: w.BatteryPercent, CPUPercent: w.CPUPercent,
		Load1: w.Load1, MemFreeMB: w.MemFreeMB, Cores: w.Cores, QueueLength: w.QueueLength,
		RunningInstances: w.RunningInstances, WarmInstances: w.WarmInstances, ServerID: w.ServerID,
		Version: w.Version, Uptime: w.Uptime, Site: w.Site, SiteKind: w.SiteKind, Kwargs: map[string]any(kw),
	}
}

// Stats asks the server for a fresh sample of its resources.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	res, err := c.call(ctx, api.ProcStatsGet, nil, nil, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return parseStats(res.Arguments, res.ArgumentsKw), nil
}

// SubscribeStats calls fn with every stats event the server publishes (every 5 s, and the
// retained one at once) until stop is called, ctx ends or the client closes. fn runs on its own
// goroutine, one sample at a time; while it is busy only the newest sample is kept. stop waits
// for fn to return and may be called more than once; fn must not call stop or Close.
func (c *Client) SubscribeStats(ctx context.Context, fn func(Stats)) (stop func(), err error) {
	l := &statsListener{c: c, fn: fn, latest: make(chan Stats, 1), done: make(chan struct{}), exited: make(chan struct{})}
	c.subMu.Lock()
	defer c.subMu.Unlock()
	c.mu.Lock()
	first := len(c.listeners) == 0
	c.listeners[l] = struct{}{}
	c.mu.Unlock()
	if first {
		if err := c.nx.Subscribe(api.TopicStats, c.onStats, nil); err != nil {
			c.mu.Lock()
			delete(c.listeners, l)
			c.mu.Unlock()
			return nil, fmt.Errorf("subscribe stats: %w", err)
		}
	}
	go l.run(ctx)
	return l.stop, nil
}

// onStats runs on nexus's receive goroutine, so it never blocks.
func (c *Client) onStats(ev *wamp.Event) {
	s := parseStats(ev.Arguments, ev.ArgumentsKw)
	c.mu.Lock()
	defer c.mu.Unlock()
	for l := range c.listeners {
		l.offer(s)
	}
}

// removeListener forgets l and unsubscribes after the last listener.
func (c *Client) removeListener(l *statsListener) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	c.mu.Lock()
	delete(c.listeners, l)
	last := len(c.listeners) == 0
	c.mu.Unlock()
	if last && c.nx.Connected() {
		if err := c.nx.Unsubscribe(api.TopicStats); err != nil {
			c.log.Debug("unsubscribe stats", "err", err)
		}
	}
}

// statsListener is one SubscribeStats: a goroutine that hands the newest sample to fn.
type statsListener struct {
	c      *Client
	fn     func(Stats)
	latest chan Stats    // capacity 1: the newest undelivered sample
	done   chan struct{} // closed by stop
	once   sync.Once     // closes done
	exited chan struct{} // closed when run returns
}

func (l *statsListener) offer(s Stats) {
	for {
		select {
		case l.latest <- s:
			return
		default:
		}
		select {
		case <-l.latest: // drop the older sample
		default:
		}
	}
}

func (l *statsListener) run(ctx context.Context) {
	defer close(l.exited)
	defer l.c.removeListener(l)
	for {
		select {
		case s := <-l.latest:
			l.fn(s)
		case <-l.done:
			return
		case <-ctx.Done():
			return
		case <-l.c.nx.Done():
			return
		}
	}
}

func (l *statsListener) stop() {
	l.once.Do(func() { close(l.done) })
	<-l.exited
}
