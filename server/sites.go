package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/server/history"
)

// siteNameOf turns a server id (a host name) into a site name: every character other than a
// letter, digit, '-' or '_' becomes '-', and it is cut to 64.
func siteNameOf(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	if len(b) == 0 {
		return "mamoc"
	}
	return string(b)
}

// apiScope registers this node's mamoc.* procedures. On a node that embeds its router a
// procedure is registered under its name. On a node joined to a remote router, several nodes may
// share the router: each procedure is registered under the node-scoped name
// (api.NodeProcedure), and under its plain name only when no other node holds it yet.
type apiScope struct {
	site   string
	joined bool
	log    *slog.Logger
}

// register registers h for name on sess within the scope.
func (a apiScope) register(sess *nxclient.Client, name string, h nxclient.InvocationHandler, opts wamp.Dict) error {
	if a.joined {
		if err := sess.Register(api.NodeProcedure(a.site, name), h, opts); err != nil {
			return err
		}
	}
	err := sess.Register(name, h, opts)
	if err != nil && a.joined {
		a.log.Info("another node serves the plain name; this node serves the node-scoped one", "procedure", name,
			"node_procedure", api.NodeProcedure(a.site, name))
		return nil
	}
	return err
}

// scope returns this node's registration scope.
func (s *Server) scope() apiScope {
	return apiScope{site: s.cfg.SiteName, joined: s.cfg.Join != "", log: s.log}
}

// registerSites offers mamoc.history.get and mamoc.site.list, and records the stats events of
// the other nodes on the router in the repository's sites, which mamoc.site.list reads.
func (s *Server) registerSites(ctx context.Context, sess *nxclient.Client) error {
	sc := s.scope()
	h, err := history.New(s.repo, history.Config{})
	if err != nil {
		return err
	}
	if err := sc.register(sess, api.ProcHistoryGet, historyGet(h), nil); err != nil {
		return err
	}
	if err := sc.register(sess, api.ProcSiteList, s.apiSiteList, nil); err != nil {
		return err
	}
	return sess.Subscribe(api.TopicStats, func(ev *wamp.Event) {
		st := api.ParseStats(ev.Arguments, ev.ArgumentsKw)
		if st.Site == "" || st.Site == s.cfg.SiteName || !api.ValidSiteName(st.Site) {
			return
		}
		kind := repository.SiteKind(st.SiteKind)
		if kind != repository.SiteCloud {
			kind = repository.SiteEdge
		}
		b, err := json.Marshal(st.Kwargs())
		if err != nil {
			return
		}
		// The event handler must not block nexus's receive loop for long; one row is quick.
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := s.repo.PutSite(wctx, repository.Site{ID: st.Site, Kind: kind, LastStats: b}); err != nil && wctx.Err() == nil {
			s.log.Warn("record peer site", "site", st.Site, "err", err)
		}
	}, nil)
}

// historyGet answers mamoc.history.get {task?} with this node's execution statistics per task
// and site, from the repository-backed history.
func historyGet(h *history.History) nxclient.InvocationHandler {
	return func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
		req, err := api.ParseHistoryRequest(inv.ArgumentsKw)
		if err != nil {
			return invokeError(err)
		}
		recs, err := h.List(ctx, req.Task)
		if err != nil {
			return invokeError(err)
		}
		out := api.History{Stats: make([]api.TaskStats, 0, len(recs))}
		for _, r := range recs {
			out.Stats = append(out.Stats, api.TaskStats{Task: r.Task, Site: r.Site, Count: r.Count, MeanSec: r.Mean.Seconds(),
				P50Sec: r.P50.Seconds(), P95Sec: r.P95.Seconds(), FailureRate: r.FailureRate, LastSeen: r.LastSeen})
		}
		return nxclient.InvokeResult{Kwargs: out.Kwargs()}
	}
}

// siteMaxAge is how many stats intervals a node may stay silent and still be listed.
const siteMaxAge = 6

// apiSiteList answers mamoc.site.list with the edge and cloud nodes on this router that published
// stats in the last siteMaxAge stats intervals (this node included), by name.
func (s *Server) apiSiteList(ctx context.Context, _ *wamp.Invocation) nxclient.InvokeResult {
	l, err := s.siteList(ctx)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: l.Kwargs()}
}

// siteList is what mamoc.site.list answers (the admin page shows it too).
func (s *Server) siteList(ctx context.Context) (api.SiteList, error) {
	sites, err := s.repo.ListSites(ctx)
	if err != nil {
		return api.SiteList{}, err
	}
	cutoff := time.Now().Add(-siteMaxAge * s.cfg.StatsInterval)
	l := api.SiteList{Sites: []api.SiteInfo{}}
	for _, st := range sites {
		if st.Kind == repository.SitePhone || (st.UpdatedAt.Before(cutoff) && st.ID != s.cfg.ServerID) {
			continue
		}
		var kw wamp.Dict
		_ = json.Unmarshal(st.LastStats, &kw)
		name := st.ID
		if st.ID == s.cfg.ServerID {
			name = s.cfg.SiteName
		}
		if strings.TrimSpace(name) == "" {
			continue
		}
		l.Sites = append(l.Sites, api.SiteInfo{Name: name, Kind: string(st.Kind), Stats: api.ParseStats(nil, kw), LastSeen: st.UpdatedAt})
	}
	return l, nil
}
