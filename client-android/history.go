package client

import (
	"context"
	"fmt"
	"time"

	"github.com/mamoc-go/mamoc/decision"
	"github.com/mamoc-go/mamoc/server/api"
)

// History returns the server's execution statistics of task, one entry per site that ran it, from
// its repository (mamoc.history.get). An empty task asks for every task.
func (c *Client) History(ctx context.Context, task string) ([]decision.Stats, error) {
	res, err := c.call(ctx, api.ProcHistoryGet, nil, api.HistoryRequest{Task: task}.Kwargs(), nil)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", task, err)
	}
	h, err := api.ParseHistory(res.ArgumentsKw)
	if err != nil {
		return nil, protocolError(api.ProcHistoryGet, "%v", err)
	}
	out := make([]decision.Stats, 0, len(h.Stats))
	for _, s := range h.Stats {
		out = append(out, decision.Stats{Task: s.Task, Site: s.Site, Count: s.Count, MeanSec: s.MeanSec,
			P50Sec: s.P50Sec, P95Sec: s.P95Sec, FailureRate: s.FailureRate})
	}
	return out, nil
}

// SiteInfo describes one server node on a router, as mamoc.site.list answers.
type SiteInfo struct {
	// Name is the node's site name (mamoc-server --site-name) and Kind edge or cloud.
	Name string        `json:"name"`
	Kind decision.Kind `json:"kind"`
	// Stats is the node's last stats sample.
	Stats Stats `json:"stats"`
	// LastSeen is when the node last published stats.
	LastSeen time.Time `json:"last_seen"`
}

// SiteList lists the server nodes on the client's router (mamoc.site.list): the node that embeds
// it and every node joined to it.
func (c *Client) SiteList(ctx context.Context) ([]SiteInfo, error) {
	res, err := c.call(ctx, api.ProcSiteList, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("site list: %w", err)
	}
	l, err := api.ParseSiteList(res.ArgumentsKw)
	if err != nil {
		return nil, protocolError(api.ProcSiteList, "%v", err)
	}
	out := make([]SiteInfo, 0, len(l.Sites))
	for _, s := range l.Sites {
		out = append(out, SiteInfo{Name: s.Name, Kind: decision.Kind(s.Kind), Stats: statsOf(s.Stats, nil), LastSeen: s.LastSeen})
	}
	return out, nil
}
