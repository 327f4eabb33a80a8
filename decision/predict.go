package decision

import (
	"context"
	"math"
)

// Stats summarises the recorded executions of one task on one site. Times are execution times on
// the site in seconds, without queueing and without communication.
type Stats struct {
	// Task and Site identify the pair; History implementations may leave them empty.
	Task string `json:"task,omitempty"`
	Site string `json:"site,omitempty"`
	// Count is the number of recorded attempts, failed ones included.
	Count int `json:"count"`
	// MeanSec is the mean execution time of the successful attempts in seconds (an EWMA is fine).
	MeanSec float64 `json:"mean_s"`
	// P50Sec and P95Sec are the median and 95th percentile in seconds; 0 means unknown.
	P50Sec float64 `json:"p50_s,omitempty"`
	P95Sec float64 `json:"p95_s,omitempty"`
	// FailureRate is the fraction of the attempts that failed, 0–1.
	FailureRate float64 `json:"failure_rate,omitempty"`
	// MeanSize is the mean input size of the recorded runs in the task's own size unit (bytes,
	// items, N of N-Queens); 0 means unknown, and then Request.Size does not scale the prediction.
	MeanSize float64 `json:"mean_size,omitempty"`
}

// History supplies execution statistics per (task, site). A pair with no record is the zero Stats
// and a nil error. Stats is called once per candidate site per decision, so it should answer from
// memory (the server keeps a cache of the repository's statistics).
type History interface {
	Stats(ctx context.Context, task, site string) (Stats, error)
}

// TaskSite keys StatsMap.
type TaskSite struct{ Task, Site string }

// StatsMap is an in-memory History.
type StatsMap map[TaskSite]Stats

var _ History = StatsMap(nil)

// NewStatsMap indexes stats by their Task and Site fields; a later duplicate replaces an earlier one.
func NewStatsMap(stats []Stats) StatsMap {
	m := make(StatsMap, len(stats))
	for _, s := range stats {
		m[TaskSite{s.Task, s.Site}] = s
	}
	return m
}

// Stats returns the recorded statistics of task on site, or the zero Stats.
func (m StatsMap) Stats(_ context.Context, task, site string) (Stats, error) {
	return m[TaskSite{task, site}], nil
}

// Prediction is the engine's estimate for running the whole task on one site.
type Prediction struct {
	// ExecSec is the execution time on the site in seconds, stretched by its current load.
	ExecSec float64 `json:"exec_s"`
	// WaitSec is the expected wait behind the site's queue in seconds.
	WaitSec float64 `json:"wait_s"`
	// CommSec is one RTT plus the transfer of input and output in seconds (0 for the local site).
	CommSec float64 `json:"comm_s"`
	// TotalSec = WaitSec + ExecSec + CommSec, the predicted completion time in seconds.
	TotalSec float64 `json:"total_s"`
	// StdSec is the uncertainty of ExecSec: one standard error of the estimate in seconds (the
	// spread of one run over √successes for history, half the estimate when it is scaled from
	// another site, the whole estimate for a prior).
	StdSec float64 `json:"std_s"`
	// EnergyJ is the phone's energy for the run in joules: CPU power × time when local, radio
	// energy for the transfer plus idle power × time when remote.
	EnergyJ float64 `json:"energy_j"`
	// Price is the site's price for the run: price_per_hour × ExecSec / 3600.
	Price float64 `json:"price"`
	// Samples is the number of recorded attempts of the task on the site.
	Samples int `json:"samples"`
	// Source says where ExecSec comes from: "history" (this site's records), "scaled" (another
	// site's records scaled by the speed ratio) or "prior" (Config.PriorExecSec scaled by speed).
	Source string `json:"source"`
}

// Sources of an execution-time estimate.
const (
	SourceHistory = "history"
	SourceScaled  = "scaled"
	SourcePrior   = "prior"
)

// stretch is the factor by which a site's current utilisation u (0–1) over c cores lengthens a
// single-threaded run: a new run finds all cores busy with probability about u^c, and then shares
// a core, so the expected stretch is 1/(1 − u^c), capped at 20 (u^c ≤ 0.95).
func stretch(u float64, cores int) float64 {
	if u <= 0 {
		return 1
	}
	busy := math.Pow(math.Min(u, 1), float64(cores))
	return 1 / (1 - math.Min(busy, 0.95))
}

// spread returns the standard deviation of one run implied by s: (P95 − P50)/1.645 (the normal
// quantile gap) when both are known from at least 5 runs, else half the mean.
func spread(s Stats) float64 {
	if s.Count >= 5 && s.P95Sec > s.P50Sec && s.P50Sec > 0 {
		return (s.P95Sec - s.P50Sec) / 1.645
	}
	return s.MeanSec / 2
}

// sizeFactor scales a time recorded at mean size from to size to: (to/from)^exp, 1 if either is
// unknown.
func sizeFactor(to, from, exp float64) float64 {
	if to <= 0 || from <= 0 {
		return 1
	}
	if exp == 1 {
		return to / from
	}
	return math.Pow(to/from, exp)
}
