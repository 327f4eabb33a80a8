package api

import (
	"strings"
	"time"

	"github.com/gammazero/nexus/v3/wamp"
)

// The multisite API: a phone federates several sites (routers), and several server nodes may
// share one router.
const (
	// ProcHistoryGet is HistoryRequest → History: the node's per-task execution statistics.
	ProcHistoryGet = "mamoc.history.get"
	// ProcSiteList is → SiteList: the server nodes on the router, with kind and last stats.
	ProcSiteList = "mamoc.site.list"
	// PrefixNode starts the node-scoped names of a joined node's mamoc API (NodeProcedure).
	PrefixNode = "mamoc.node."
)

// NodeProcedure is proc (a mamoc.* procedure) scoped to the server node named site:
// mamoc.node.<site>.<proc without "mamoc.">, e.g. mamoc.node.b.task.run.
func NodeProcedure(site, proc string) string {
	return PrefixNode + site + "." + strings.TrimPrefix(proc, PrefixMamoc)
}

// ValidSiteName reports whether name can name a site: 1–64 ASCII letters, digits, '-' and '_'
// (it becomes one component of a WAMP URI).
func ValidSiteName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// HistoryRequest is ProcHistoryGet's request: kwargs {task?}; an empty task asks for every task.
type HistoryRequest struct {
	Task string
}

// Kwargs returns the request's kwargs.
func (r HistoryRequest) Kwargs() wamp.Dict {
	kw := wamp.Dict{}
	if r.Task != "" {
		kw["task"] = r.Task
	}
	return kw
}

// ParseHistoryRequest reads a history request; a task that is not a string is ErrInvalid.
func ParseHistoryRequest(kw wamp.Dict) (HistoryRequest, error) {
	if v, ok := kw["task"]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return HistoryRequest{}, invalid("%s: task is %T, want a string", ProcHistoryGet, v)
		}
		return HistoryRequest{Task: s}, nil
	}
	return HistoryRequest{}, nil
}

// TaskStats summarises the recorded executions of one task on one site. Times are execution
// times in seconds, without queueing.
type TaskStats struct {
	Task string
	Site string
	// Count is the number of finished attempts, failed ones included.
	Count int
	// MeanSec, P50Sec and P95Sec are over the successful attempts.
	MeanSec, P50Sec, P95Sec float64
	// FailureRate is the fraction of the attempts that failed, 0–1.
	FailureRate float64
	// LastSeen is when the task last ran there; zero when unknown.
	LastSeen time.Time
}

// Kwargs returns the statistics as a dict {task, site, count, mean_s, p50_s, p95_s,
// failure_rate, last_seen_ms?}.
func (s TaskStats) Kwargs() wamp.Dict {
	d := wamp.Dict{"task": s.Task, "site": s.Site, "count": s.Count, "mean_s": s.MeanSec, "p50_s": s.P50Sec,
		"p95_s": s.P95Sec, "failure_rate": s.FailureRate}
	if !s.LastSeen.IsZero() {
		d["last_seen_ms"] = s.LastSeen.UnixMilli()
	}
	return d
}

// History is ProcHistoryGet's result: kwargs {stats: [TaskStats…]}.
type History struct {
	Stats []TaskStats
}

// Kwargs returns the result's kwargs.
func (h History) Kwargs() wamp.Dict {
	return wamp.Dict{"stats": kwargsList(h.Stats)}
}

// ParseHistory reads a history result; stats that is not a list is ErrInvalid.
func ParseHistory(kw wamp.Dict) (History, error) {
	l, ok := wamp.AsList(kw["stats"])
	if !ok && kw["stats"] != nil {
		return History{}, invalid("%s: stats is %T, want a list", ProcHistoryGet, kw["stats"])
	}
	h := History{Stats: make([]TaskStats, 0, len(l))}
	for _, e := range l {
		d, _ := wamp.AsDict(e)
		s := TaskStats{Task: str(d, "task"), Site: str(d, "site"), Count: int(integer(d, "count")), MeanSec: float(d, "mean_s"),
			P50Sec: float(d, "p50_s"), P95Sec: float(d, "p95_s"), FailureRate: float(d, "failure_rate")}
		if ms := integer(d, "last_seen_ms"); ms > 0 {
			s.LastSeen = time.UnixMilli(ms)
		}
		h.Stats = append(h.Stats, s)
	}
	return h, nil
}

// SiteInfo is one server node on a router, as ProcSiteList lists it.
type SiteInfo struct {
	// Name is the node's site name and Kind "edge" or "cloud".
	Name string
	Kind string
	// Stats is the node's last stats event.
	Stats Stats
	// LastSeen is when the node last published stats.
	LastSeen time.Time
}

// SiteList is ProcSiteList's result: kwargs {sites: [{name, kind, stats, last_seen_ms}]}.
type SiteList struct {
	Sites []SiteInfo
}

// Kwargs returns the result's kwargs.
func (l SiteList) Kwargs() wamp.Dict {
	out := make(wamp.List, len(l.Sites))
	for i, s := range l.Sites {
		out[i] = wamp.Dict{"name": s.Name, "kind": s.Kind, "stats": s.Stats.Kwargs(), "last_seen_ms": s.LastSeen.UnixMilli()}
	}
	return wamp.Dict{"sites": out}
}

// ParseSiteList reads a site list; sites that is not a list is ErrInvalid.
func ParseSiteList(kw wamp.Dict) (SiteList, error) {
	l, ok := wamp.AsList(kw["sites"])
	if !ok && kw["sites"] != nil {
		return SiteList{}, invalid("%s: sites is %T, want a list", ProcSiteList, kw["sites"])
	}
	out := SiteList{Sites: make([]SiteInfo, 0, len(l))}
	for _, e := range l {
		d, _ := wamp.AsDict(e)
		st, _ := wamp.AsDict(d["stats"])
		s := SiteInfo{Name: str(d, "name"), Kind: str(d, "kind"), Stats: ParseStats(nil, st)}
		if ms := integer(d, "last_seen_ms"); ms > 0 {
			s.LastSeen = time.UnixMilli(ms)
		}
		out.Sites = append(out.Sites, s)
	}
	return out, nil
}

// PlainProcedure is the plain name of a node-scoped procedure (the inverse of NodeProcedure), and
// proc itself when it is not node-scoped. Authorization judges a node-scoped name by it.
func PlainProcedure(proc string) string {
	rest, ok := strings.CutPrefix(proc, PrefixNode)
	if !ok {
		return proc
	}
	_, name, ok := strings.Cut(rest, ".")
	if !ok {
		return proc
	}
	return PrefixMamoc + name
}
