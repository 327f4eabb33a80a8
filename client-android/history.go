package client

import (
	"context"
	"fmt"
	"time"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/decision"
)

// History returns the server's execution statistics of task, one entry per site that ran it, from
// its repository (mamoc.history.get). An empty task asks for every task.
func (c *Client) History(ctx context.Context, task string) ([]decision.Stats, error) {
	kw := wamp.Dict{}
	if task != "" {
		kw["task"] = task
	}
	res, err := c.call(ctx, ProcHistoryGet, nil, kw, nil)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", task, err)
	}
	raw, ok := wamp.AsList(res.ArgumentsKw["stats"])
	if !ok && res.ArgumentsKw["stats"] != nil {
		return nil, protocolError(ProcHistoryGet, "stats %T, want a list", res.ArgumentsKw["stats"])
	}
	out := make([]decision.Stats, 0, len(raw))
	for _, r := range raw {
		d, _ := wamp.AsDict(r)
		out = append(out, decision.Stats{
			Task: str(d, "task"), Site: str(d, "site"), Count: integer(d, "count"), MeanSec: float(d, "mean_s"),
			P50Sec: float(d, "p50_s"), P95Sec: float(d, "p95_s"), FailureRate: float(d, "failure_rate"),
		})
	}
	return out, nil
}

// SiteInfo describes one server node on a router, as mamoc.site.list answers.
type SiteInfo struct {
	// Name is the node's site name (mamoc-server --site-name) and Kind edge or cloud.
	Name string        `json:"name"`
	Kind decision.Kind `json:"kind"`
	// Stats is the node's last stats sample, when it has published one.
	Stats Stats `json:"stats"`
	// LastSeen is when the node last reported.
	LastSeen time.Time `json:"last_seen"`
}

// SiteList lists the server nodes on the client's router (mamoc.site.list): the node that embeds
// it and every node joined to it.
func (c *Client) SiteList(ctx context.Context) ([]SiteInfo, error) {
	res, err := c.call(ctx, ProcSiteList, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("site list: %w", err)
	}
	raw, ok := wamp.AsList(res.ArgumentsKw["sites"])
	if !ok && res.ArgumentsKw["sites"] != nil {
		return nil, protocolError(ProcSiteList, "sites %T, want a list", res.ArgumentsKw["sites"])
	}
	out := make([]SiteInfo, 0, len(raw))
	for _, r := range raw {
		d, _ := wamp.AsDict(r)
		st, _ := wamp.AsDict(d["stats"])
		si := SiteInfo{Name: str(d, "name"), Kind: decision.Kind(str(d, "kind")), Stats: parseStats(nil, st)}
		if ms, ok := wamp.AsInt64(d["last_seen_ms"]); ok && ms > 0 {
			si.LastSeen = time.UnixMilli(ms)
		}
		out = append(out, si)
	}
	return out, nil
}
