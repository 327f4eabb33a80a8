package history_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/decision"
	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/history"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestHistoryFromRepository(t *testing.T) {
	ctx := context.Background()
	db, err := repository.OpenConfig(ctx, repository.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	clk := &clock{now: time.Now()}
	recent := clk.Now().Add(-time.Minute)
	var es []repository.Execution
	for i := 1; i <= 20; i++ { // 10ms..200ms at the edge
		es = append(es, repository.Execution{Task: "fib", Site: "edge", Status: repository.StatusDone,
			ExecTime: time.Duration(i) * 10 * time.Millisecond, QueuedAt: recent})
	}
	es = append(es,
		repository.Execution{Task: "fib", Site: "edge", Status: repository.StatusFailed, QueuedAt: recent.Add(time.Second)},
		repository.Execution{Task: "fib", Site: "cloud", Status: repository.StatusDone, ExecTime: time.Second, QueuedAt: recent},
		// Outside the window (one hour): not counted.
		repository.Execution{Task: "fib", Site: "cloud", Status: repository.StatusDone, ExecTime: time.Hour, QueuedAt: recent.Add(-2 * time.Hour)},
	)
	if err := db.InsertExecutions(ctx, es); err != nil {
		t.Fatal(err)
	}
	h, err := history.New(db, history.Config{Window: time.Hour, MaxAge: 10 * time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		task, site string
		want       decision.Stats
	}{
		{"fib", "edge", decision.Stats{Task: "fib", Site: "edge", Count: 21, MeanSec: 0.105, P50Sec: 0.1, P95Sec: 0.19,
			FailureRate: 1.0 / 21}},
		{"fib", "cloud", decision.Stats{Task: "fib", Site: "cloud", Count: 1, MeanSec: 1, P50Sec: 1, P95Sec: 1}},
		{"fib", "phone", decision.Stats{Task: "fib", Site: "phone"}},
	}
	for _, tt := range tests {
		got, err := h.Stats(ctx, tt.task, tt.site)
		if err != nil || !statsNear(got, tt.want) {
			t.Errorf("Stats(%s, %s) = %+v, %v, want %+v", tt.task, tt.site, got, err, tt.want)
		}
	}
	if r, err := h.Get(ctx, "fib", "edge"); err != nil || !r.LastSeen.Equal(recent.Add(time.Second).UTC()) {
		t.Errorf("Get(fib, edge).LastSeen = %v, %v, want %v", r.LastSeen, err, recent.Add(time.Second))
	}

	// A new execution shows only once the statistics are older than MaxAge.
	if _, err := db.InsertExecution(ctx, repository.Execution{Task: "sort", Site: "edge", Status: repository.StatusDone,
		ExecTime: time.Millisecond, QueuedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	if l, err := h.List(ctx, ""); err != nil || len(l) != 2 {
		t.Errorf("List before MaxAge = %d records, %v, want 2 (cached)", len(l), err)
	}
	clk.advance(11 * time.Second)
	l, err := h.List(ctx, "")
	if err != nil || len(l) != 3 || l[0].Task != "fib" || l[0].Site != "cloud" || l[2].Task != "sort" {
		t.Errorf("List after MaxAge = %+v, %v, want fib@cloud, fib@edge, sort@edge", l, err)
	}
	if l, err := h.List(ctx, "sort"); err != nil || len(l) != 1 || l[0].Count != 1 {
		t.Errorf("List(sort) = %+v, %v, want one record", l, err)
	}
}

// statsNear compares Stats allowing float rounding.
func statsNear(a, b decision.Stats) bool {
	near := func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }
	return a.Task == b.Task && a.Site == b.Site && a.Count == b.Count && near(a.MeanSec, b.MeanSec) &&
		near(a.P50Sec, b.P50Sec) && near(a.P95Sec, b.P95Sec) && near(a.FailureRate, b.FailureRate)
}
