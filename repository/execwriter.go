package repository

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// execWriter commits recorded executions in batches (group commit) from one goroutine, so a
// task's caller never waits for the disk. RecordExecution queues; the writer commits what is
// queued in one transaction at most Config.ExecutionFlushInterval after the first record of a
// batch was queued (sooner when Config.ExecutionBatch are queued), before any read or update
// of executions, and at Close.
type execWriter struct {
	d        *DB
	log      *slog.Logger
	interval time.Duration
	maxBatch int
	kick     chan struct{} // buffered: something was queued
	full     chan struct{} // buffered: a whole batch is queued
	stop     chan struct{} // closed by close
	done     chan struct{} // closed when loop returns

	mu        sync.Mutex // guards the fields below
	pending   []Execution
	queued    uint64        // records queued since Open
	handled   uint64        // records committed (or given up) since Open
	committed chan struct{} // closed and replaced after each batch
	closed    bool
}

func newExecWriter(d *DB) *execWriter {
	w := &execWriter{d: d, log: d.log, interval: d.cfg.ExecutionFlushInterval, maxBatch: d.cfg.ExecutionBatch,
		kick: make(chan struct{}, 1), full: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		committed: make(chan struct{})}
	go w.loop()
	return w
}

// RecordExecution queues e for the next group commit and returns it with ID, Status and QueuedAt
// defaults filled; it does not wait for the disk. A crash may lose the records queued since the
// last commit (at most Config.ExecutionFlushInterval of them plus the batch being written);
// FlushExecutions waits until they are committed. When 16 batches wait, it waits for room.
func (d *DB) RecordExecution(ctx context.Context, e Execution) (Execution, error) {
	if err := d.check(); err != nil {
		return Execution{}, err
	}
	if err := e.prepare(); err != nil {
		return Execution{}, fmt.Errorf("record execution: %w", err)
	}
	w := d.execs
	w.mu.Lock()
	for len(w.pending) >= 16*w.maxBatch && !w.closed { // backpressure when the disk falls behind
		ch := w.committed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Execution{}, fmt.Errorf("record execution: %w", ctx.Err())
		}
		w.mu.Lock()
	}
	if w.closed {
		w.mu.Unlock()
		return Execution{}, ErrClosed
	}
	w.pending = append(w.pending, e)
	w.queued++
	n := len(w.pending)
	w.mu.Unlock()
	signal(w.kick)
	if n >= w.maxBatch {
		signal(w.full)
	}
	return e, nil
}

// FlushExecutions waits until every execution recorded before the call is committed.
func (d *DB) FlushExecutions(ctx context.Context) error {
	return d.execs.sync(ctx)
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// sync waits until the records queued so far are handled.
func (w *execWriter) sync(ctx context.Context) error {
	w.mu.Lock()
	target := w.queued
	for w.handled < target {
		ch := w.committed
		w.mu.Unlock()
		signal(w.full) // commit now rather than after the interval
		select {
		case <-ch:
		case <-w.done:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("flush executions: %w", ctx.Err())
		}
		w.mu.Lock()
	}
	w.mu.Unlock()
	return nil
}

func (w *execWriter) loop() {
	defer close(w.done)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-w.kick:
		case <-w.stop:
			w.commitAll()
			return
		}
		t.Reset(w.interval)
		select {
		case <-t.C:
		case <-w.full:
			t.Stop()
		case <-w.stop:
			t.Stop()
			w.commitAll()
			return
		}
		w.commitAll()
	}
}

// commitAll commits what is queued, a batch per transaction.
func (w *execWriter) commitAll() {
	for {
		w.mu.Lock()
		n := min(len(w.pending), w.maxBatch)
		batch := w.pending[:n:n]
		w.pending = w.pending[n:]
		if len(w.pending) == 0 {
			w.pending = nil
		}
		w.mu.Unlock()
		if n == 0 {
			return
		}
		w.commit(batch)
		w.mu.Lock()
		w.handled += uint64(n)
		close(w.committed)
		w.committed = make(chan struct{})
		w.mu.Unlock()
	}
}

func (w *execWriter) commit(batch []Execution) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if obs := w.d.cfg.ObserveCommit; obs != nil {
		start := time.Now()
		defer func() { obs(len(batch), time.Since(start)) }()
	}
	err := w.d.InsertExecutions(ctx, batch)
	if err == nil {
		return
	}
	// one bad record (a duplicate ID) must not take the batch with it
	for _, e := range batch {
		if _, err := w.d.InsertExecution(ctx, e); err != nil {
			w.log.Warn("record execution", "id", e.ID, "task", e.Task, "err", err)
		}
	}
}

// close commits what is queued and stops the writer; later records fail with ErrClosed.
func (w *execWriter) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
}
