package decision

import (
	"context"
	"math"
	"sync"
)

// EWMAHistory is an in-memory History that learns from the runs recorded into it with
// exponentially weighted moving averages, so it follows a site that slows down or recovers. It is
// safe for concurrent use.
type EWMAHistory struct {
	alpha float64
	mu    sync.Mutex // guards m
	m     map[TaskSite]*ewma
}

var _ History = (*EWMAHistory)(nil)

type ewma struct {
	count              int
	mean, vari, fail   float64
	size               float64
	haveMean, haveSize bool
}

// NewEWMAHistory returns an empty EWMAHistory whose averages weigh each new run by alpha in (0, 1];
// alpha ≤ 0 or > 1 means 0.3.
func NewEWMAHistory(alpha float64) *EWMAHistory {
	if !(alpha > 0 && alpha <= 1) {
		alpha = 0.3
	}
	return &EWMAHistory{alpha: alpha, m: make(map[TaskSite]*ewma)}
}

// Record adds one attempt of task on site: its execution time in seconds (ignored when failed),
// whether it failed, and its input size (0 when unknown).
func (h *EWMAHistory) Record(task, site string, execSec float64, failed bool, size float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := TaskSite{task, site}
	s := h.m[k]
	if s == nil {
		s = &ewma{}
		h.m[k] = s
	}
	a := h.alpha
	s.count++
	f := 0.0
	if failed {
		f = 1
	}
	if s.count == 1 {
		s.fail = f
	} else {
		s.fail += a * (f - s.fail)
	}
	if failed {
		return
	}
	if size > 0 {
		if !s.haveSize {
			s.size, s.haveSize = size, true
		} else {
			s.size += a * (size - s.size)
		}
	}
	if !s.haveMean {
		s.mean, s.haveMean = execSec, true
		return
	}
	d := execSec - s.mean
	s.mean += a * d
	s.vari = (1 - a) * (s.vari + a*d*d)
}

// Stats returns the averages for task on site: MeanSec and P50Sec are the EWMA, P95Sec adds 1.645
// EWMA standard deviations.
func (h *EWMAHistory) Stats(_ context.Context, task, site string) (Stats, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.m[TaskSite{task, site}]
	if s == nil {
		return Stats{}, nil
	}
	st := Stats{Task: task, Site: site, Count: s.count, FailureRate: s.fail, MeanSize: s.size}
	if s.haveMean {
		st.MeanSec, st.P50Sec = s.mean, s.mean
		st.P95Sec = s.mean + 1.645*math.Sqrt(s.vari)
	}
	return st, nil
}
