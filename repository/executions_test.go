package repository_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
)

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{})
	const writers, perWriter, batchers, batches, batchSize = 8, 40, 2, 10, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers+batchers+2)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				e, err := db.InsertExecution(ctx, repository.Execution{Task: "conc", Site: fmt.Sprint("s", w%2)})
				if err == nil {
					err = db.FinishExecution(ctx, e.ID, repository.Result{Status: repository.StatusDone,
						ExecTime: time.Duration(i+1) * time.Millisecond})
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	for b := 0; b < batchers; b++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < batches; i++ {
				batch := make([]repository.Execution, batchSize)
				for j := range batch {
					batch[j] = repository.Execution{Task: "conc", Site: "s0", Status: repository.StatusFailed}
				}
				if err := db.InsertExecutions(ctx, batch); err != nil {
					errs <- fmt.Errorf("batcher %d: %w", b, err)
					return
				}
			}
		}()
	}
	// Readers run meanwhile: blob writes and stats queries.
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			if _, err := db.ExecutionStatsAll(ctx, time.Time{}); err != nil {
				errs <- fmt.Errorf("stats: %w", err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			if _, err := db.PutBlobBytes(ctx, []byte(fmt.Sprint("blob ", i))); err != nil {
				errs <- fmt.Errorf("blob: %w", err)
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, err := db.ListExecutions(ctx, repository.ExecutionFilter{Task: "conc", Limit: 1 << 20})
	if want := writers*perWriter + batchers*batches*batchSize; err != nil || len(all) != want {
		t.Fatalf("ListExecutions = %d, %v, want %d", len(all), err, want)
	}
	stats, err := db.ExecutionStatsAll(ctx, time.Time{})
	var count, failures int
	for _, st := range stats {
		if st.Task == "conc" {
			count, failures = count+st.Count, failures+st.Failures
		}
	}
	if err != nil || count != len(all) || failures != batchers*batches*batchSize {
		t.Errorf("ExecutionStatsAll(conc) = %d executions, %d failures, %v; want %d, %d", count, failures, err,
			len(all), batchers*batches*batchSize)
	}
}

func TestExecutionStats(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{})
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var es []repository.Execution
	add := func(task, site string, st repository.Status, exec time.Duration, at time.Time) {
		es = append(es, repository.Execution{Task: task, Site: site, Status: st, ExecTime: exec, QueuedAt: at,
			QueueTime: 2 * time.Millisecond, CommOverhead: exec / 10, OutputSize: 100})
	}
	in := since.Add(time.Hour)
	for i := 1; i <= 100; i++ { // done: 1ms..100ms
		add("fib", "edge", repository.StatusDone, time.Duration(i)*time.Millisecond, in)
	}
	for i := 0; i < 10; i++ {
		add("fib", "edge", repository.StatusFailed, 0, in)
	}
	for i := 0; i < 5; i++ {
		add("fib", "edge", repository.StatusTimedOut, 0, in)
	}
	for i := 0; i < 3; i++ { // neither counted
		add("fib", "edge", repository.StatusCancelled, time.Second, in)
		add("fib", "edge", repository.StatusRunning, time.Second, in)
	}
	// Before the window: ignored.
	add("fib", "edge", repository.StatusDone, time.Hour, since.Add(-time.Nanosecond))
	add("fib", "edge", repository.StatusFailed, 0, since.Add(-time.Hour))
	// Another site and task.
	add("fib", "cloud", repository.StatusDone, 7*time.Millisecond, in)
	add("fib", "cloud", repository.StatusDone, 9*time.Millisecond, in)
	add("sort", "edge", repository.StatusFailed, 0, in)
	if err := db.InsertExecutions(ctx, es); err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	tests := []struct {
		task, site string
		want       repository.Stats
	}{
		{"fib", "edge", repository.Stats{Task: "fib", Site: "edge", Count: 115, Failures: 15,
			FailureRate: 15.0 / 115, Mean: 50*ms + 500*time.Microsecond, P50: 50 * ms, P95: 95 * ms, P99: 99 * ms,
			MeanQueueTime: 2 * ms, MeanCommOverhead: 5*ms + 50*time.Microsecond, MeanOutputSize: 100, LastSeen: in}},
		{"fib", "cloud", repository.Stats{Task: "fib", Site: "cloud", Count: 2, Mean: 8 * ms, P50: 7 * ms,
			P95: 9 * ms, P99: 9 * ms, MeanQueueTime: 2 * ms, MeanCommOverhead: 800 * time.Microsecond, MeanOutputSize: 100,
			LastSeen: in}},
		{"sort", "edge", repository.Stats{Task: "sort", Site: "edge", Count: 1, Failures: 1, FailureRate: 1, LastSeen: in}},
	}
	all, err := db.ExecutionStatsAll(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || !statsClose(all[0], tests[1].want) || !statsClose(all[1], tests[0].want) || !statsClose(all[2], tests[2].want) {
		t.Errorf("ExecutionStatsAll = %+v, want [fib@cloud fib@edge sort@edge]", all)
	}
}

// statsOf is the Stats of task (at its only site) from ExecutionStatsAll.
func statsOf(ctx context.Context, db *repository.DB, task string, since time.Time) (repository.Stats, error) {
	all, err := db.ExecutionStatsAll(ctx, since)
	for _, s := range all {
		if s.Task == task {
			return s, err
		}
	}
	return repository.Stats{Task: task}, err
}

// statsClose compares Stats allowing 1µs of float rounding in means.
func statsClose(a, b repository.Stats) bool {
	near := func(x, y time.Duration) bool { return (x - y).Abs() <= time.Microsecond }
	return a.Task == b.Task && a.Site == b.Site && a.Count == b.Count && a.Failures == b.Failures &&
		math.Abs(a.FailureRate-b.FailureRate) < 1e-9 && near(a.Mean, b.Mean) && a.P50 == b.P50 &&
		a.P95 == b.P95 && a.P99 == b.P99 && near(a.MeanQueueTime, b.MeanQueueTime) &&
		near(a.MeanCommOverhead, b.MeanCommOverhead) && math.Abs(a.MeanOutputSize-b.MeanOutputSize) < 1e-9 &&
		a.LastSeen.Equal(b.LastSeen)
}

func TestExecutionStatsZeroSince(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{})
	old := time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{old, time.Now()} {
		if _, err := db.InsertExecution(ctx, repository.Execution{Task: "t", Status: repository.StatusDone, QueuedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		since time.Time
		want  int
	}{
		{time.Time{}, 2},
		{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), 2},
		{old.Add(time.Second), 1},
		{time.Now().Add(time.Hour), 0},
	}
	for _, tc := range tests {
		st, err := statsOf(ctx, db, "t", tc.since)
		if err != nil || st.Count != tc.want {
			t.Errorf("ExecutionStatsAll(since %v).Count = %d, %v, want %d", tc.since, st.Count, err, tc.want)
		}
		l, err := db.ListExecutions(ctx, repository.ExecutionFilter{Task: "t", Since: tc.since})
		if err != nil || len(l) != tc.want {
			t.Errorf("ListExecutions(since %v) = %d, %v, want %d", tc.since, len(l), err, tc.want)
		}
	}
}
