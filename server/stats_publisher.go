package server

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
)

// retainedDelay separates a SUBSCRIBED from the retained event that follows it.
const retainedDelay = 50 * time.Millisecond

// statsPublisher samples the host every period and publishes the stats event. It retains
// the last event and sends it at once to each new subscriber of the stats topic.
type statsPublisher struct {
	s       *Server
	sampler *sampler

	mu     sync.Mutex // guards last, have, sess and subIDs
	last   Stats
	have   bool
	sess   *nxclient.Client
	subIDs map[wamp.ID]bool // subscription ids of the stats topic

	pending chan wamp.ID // sessions that subscribed and wait for the retained event
}

func newStatsPublisher(s *Server, smp *sampler) *statsPublisher {
	return &statsPublisher{s: s, sampler: smp, subIDs: map[wamp.ID]bool{}, pending: make(chan wamp.ID, 256)}
}

// register offers api.ProcStatsGet and watches subscriptions to the stats topic.
func (p *statsPublisher) register(sess *nxclient.Client, meta *metaEvents) error {
	p.mu.Lock()
	p.sess = sess
	p.mu.Unlock()
	err := p.s.scope().register(sess, api.ProcStatsGet, func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
		if err := api.ParseNoArgs(api.ProcStatsGet, inv.Arguments, inv.ArgumentsKw); err != nil {
			return invokeError(err)
		}
		st := p.wire(p.current(ctx))
		return nxclient.InvokeResult{Args: st.Args(), Kwargs: st.Kwargs()}
	}, nil)
	if err != nil {
		return err
	}
	// on_create tells the subscription id of a new topic; on_subscribe tells each subscriber.
	if err := meta.subscribe(wamp.MetaEventSubOnCreate, func(ev *wamp.Event) {
		if len(ev.Arguments) < 2 {
			return
		}
		d, _ := wamp.AsDict(ev.Arguments[1])
		if uri, _ := wamp.AsURI(d["uri"]); uri == api.TopicStats {
			if id, ok := wamp.AsID(d["id"]); ok {
				p.mu.Lock()
				p.subIDs[id] = true
				p.mu.Unlock()
			}
		}
	}); err != nil {
		return err
	}
	err = meta.subscribe(wamp.MetaEventSubOnSubscribe, func(ev *wamp.Event) {
		if len(ev.Arguments) < 2 {
			return
		}
		sid, ok1 := wamp.AsID(ev.Arguments[0])
		subID, ok2 := wamp.AsID(ev.Arguments[1])
		if !ok1 || !ok2 {
			return
		}
		p.mu.Lock()
		match := p.subIDs[subID]
		p.mu.Unlock()
		if match {
			select {
			case p.pending <- sid:
			default: // a burst of subscribers; they get the next periodic event
			}
		}
	})
	if err != nil {
		return err
	}
	// A subscription that existed before this session joined (a remote router).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res, err := sess.Call(ctx, string(wamp.MetaProcSubLookup), nil, wamp.List{api.TopicStats}, nil, nil); err == nil && len(res.Arguments) > 0 {
		if id, ok := wamp.AsID(res.Arguments[0]); ok && id != 0 {
			p.mu.Lock()
			p.subIDs[id] = true
			p.mu.Unlock()
		}
	}
	return nil
}

// wire is st as the stats event carries it, with this server's id and version.
func (p *statsPublisher) wire(st Stats) api.Stats {
	return api.Stats{
		CPUMHzTotal: st.CPUPowerMHz, MemTotalMB: float64(st.MemTotalMB), BatteryPercent: float64(st.BatteryPercent),
		Charging: st.Charging, CPUPercent: st.CPUPercent, Load1: st.Load1, Load5: st.Load5, Load15: st.Load15,
		MemFreeMB: float64(st.MemFreeMB), Cores: st.Cores, QueueLength: st.Runtime.Queued,
		RunningInstances: st.Runtime.Running, WarmInstances: st.Runtime.Warm,
		ServerID: p.s.cfg.ServerID, Version: p.s.version, Uptime: st.Uptime, Site: p.s.cfg.SiteName, SiteKind: p.s.cfg.SiteKind,
	}
}

// current returns the retained sample, taking one if there is none yet.
func (p *statsPublisher) current(ctx context.Context) Stats {
	p.mu.Lock()
	st, have := p.last, p.have
	p.mu.Unlock()
	if have {
		return st
	}
	return p.take(ctx)
}

func (p *statsPublisher) take(ctx context.Context) Stats {
	st := p.sampler.sample(ctx)
	p.mu.Lock()
	p.last, p.have = st, true
	p.mu.Unlock()
	p.s.charts.add(st, p.s.metrics.finished.Load())
	return st
}

func (p *statsPublisher) publish(st Stats, opts wamp.Dict) {
	p.mu.Lock()
	sess := p.sess
	p.mu.Unlock()
	if sess == nil {
		return
	}
	w := p.wire(st)
	if err := sess.Publish(api.TopicStats, opts, w.Args(), w.Kwargs()); err != nil {
		p.s.log.Debug("publish stats", "err", err)
	}
}

// run publishes a sample every period until ctx is done.
func (p *statsPublisher) run(ctx context.Context) {
	p.sampler.sample(ctx) // prime the CPU counters
	t := time.NewTicker(p.s.cfg.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st := p.take(ctx)
			p.publish(st, nil)
			p.recordSite(ctx, st)
		case sid := <-p.pending:
			// Some clients (nexus's among them) install their event handler only after
			// SUBSCRIBED arrives; an event right behind it would find no handler.
			select {
			case <-ctx.Done():
				return
			case <-time.After(retainedDelay):
			}
			p.publish(p.current(ctx), wamp.Dict{wamp.WhitelistKey: wamp.List{sid}})
		}
	}
}

// recordSite keeps this node's last stats and address in the repository's sites table, where
// operators and the other nodes' site listing read them.
func (p *statsPublisher) recordSite(ctx context.Context, st Stats) {
	repo := p.s.repository()
	if repo == nil {
		return
	}
	b, err := json.Marshal(p.wire(st).Kwargs())
	if err != nil {
		return
	}
	addr := ""
	if a := p.s.Addr(); a != nil {
		addr = "ws://" + a.String() + "/ws"
	}
	if err := repo.PutSite(ctx, repository.Site{ID: p.s.cfg.ServerID, Kind: repository.SiteKind(p.s.cfg.SiteKind),
		Address: addr, LastStats: b}); err != nil && ctx.Err() == nil {
		p.s.log.Warn("record site", "err", err)
	}
}
