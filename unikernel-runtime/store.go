package unikernel

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// InstanceRecord is the status of one instance as kept in an InstanceStore.
type InstanceRecord struct {
	ID        string
	Group     string // the isolation group (Call.Group), "" while spare
	Driver    string
	State     string // booting, idle, busy, stopping
	Calls     int
	MemoryMB  int
	StartedAt time.Time
	UpdatedAt time.Time
}

// InstanceStore persists instance status (e.g. in the repository). The Runtime calls it from one
// goroutine, after the fact and coalesced per instance, so calls never wait for it; errors are logged.
// Close flushes the last records (the deletes of all instances).
type InstanceStore interface {
	PutInstance(ctx context.Context, rec InstanceRecord) error
	DeleteInstance(ctx context.Context, id string) error
}

// record queues the instance's status for the store; it never blocks on the store. rt.mu must be held.
func (rt *Runtime) recordLocked(in *instance) {
	if rt.sw == nil || rt.insts[in.id] != in {
		return // no store, or already forgotten: never resurrect its record
	}
	rec := InstanceRecord{ID: in.id, Group: in.app, Driver: rt.cfg.Driver, State: in.state.String(), Calls: in.calls,
		MemoryMB: in.memMB, StartedAt: in.started, UpdatedAt: time.Now()}
	rt.sw.enqueue(in.id, &rec)
}

// record is recordLocked taking rt.mu.
func (rt *Runtime) record(in *instance) {
	if rt.sw == nil {
		return
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.recordLocked(in)
}

// storeInterval is the longest an instance record waits for the store.
const storeInterval = 200 * time.Millisecond

// storeWriter applies instance records to the InstanceStore from one goroutine, coalescing
// updates per instance, so calls never wait for the repository.
type storeWriter struct {
	store InstanceStore
	log   *slog.Logger
	kick  chan struct{}
	done  chan struct{} // closed by close after the last record was queued
	wg    sync.WaitGroup

	mu      sync.Mutex                 // guards pending and order
	pending map[string]*InstanceRecord // nil = delete
	order   []string
}

func newStoreWriter(store InstanceStore, log *slog.Logger) *storeWriter {
	sw := &storeWriter{store: store, log: log, kick: make(chan struct{}, 1), done: make(chan struct{}), pending: map[string]*InstanceRecord{}}
	sw.wg.Add(1)
	go sw.loop()
	return sw
}

func (sw *storeWriter) enqueue(id string, rec *InstanceRecord) {
	sw.mu.Lock()
	if _, ok := sw.pending[id]; !ok {
		sw.order = append(sw.order, id)
	}
	sw.pending[id] = rec
	sw.mu.Unlock()
	select {
	case sw.kick <- struct{}{}:
	default:
	}
}

func (sw *storeWriter) loop() {
	defer sw.wg.Done()
	for {
		select {
		case <-sw.kick:
		case <-sw.done:
			sw.flush()
			return
		}
		// Batch: an instance's state changes with every call; the store sees the latest at most
		// every storeInterval.
		select {
		case <-time.After(storeInterval):
		case <-sw.done:
		}
		sw.flush()
	}
}

func (sw *storeWriter) flush() {
	sw.mu.Lock()
	pending, order := sw.pending, sw.order
	sw.pending, sw.order = map[string]*InstanceRecord{}, nil
	sw.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range order {
		var err error
		if rec := pending[id]; rec != nil {
			err = sw.store.PutInstance(ctx, *rec)
		} else {
			err = sw.store.DeleteInstance(ctx, id)
		}
		if err != nil {
			sw.log.Warn("instance store", "id", id, "err", err)
		}
	}
}

// close flushes what is queued and stops the writer.
func (sw *storeWriter) close() {
	close(sw.done)
	sw.wg.Wait()
}
