package unikernel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Call is one task invocation.
type Call struct {
	App      string
	Artifact Artifact
	// Class is the task's FQCN.
	Class string
	// Method "" means the MAMoC shape: construct with Args, then call run(); otherwise a public static method.
	Method string
	// ParamTypes optionally declares the Java parameter types ("int", "String", "int[]", FQCNs);
	// without them the agent picks the public constructor/method by arity and convertibility.
	ParamTypes []string
	// Args are JSON-like values: float64/int64/int/string/bool/[]any/[]byte/nil.
	Args []any
	// Limits override the configured defaults, bounded by the configured maxima.
	Limits Limits
	// Progress, if set, receives progress messages (mamoc.Progress.report in the guest).
	Progress func(msg string)
}

// Result is a finished call.
type Result struct {
	Output    string        // String.valueOf(return); Arrays.toString for arrays; "" when Void
	Void      bool          // run() (or the method) returns void
	JSON      []byte        // the return value as JSON (byte[] as base64), nil when Void
	ExecTime  time.Duration // measured inside the guest (construct + run)
	QueueTime time.Duration // waiting for a slot and an instance (includes a cold boot)
	Instance  string
	Stdout    string // bounded by Limits.OutputBytes
	Stderr    string
}

// InstanceRecord is the status of one instance as kept in an InstanceStore.
type InstanceRecord struct {
	ID        string
	App       string // "" while spare
	Driver    string
	State     string // booting, idle, busy
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

// Stats is a snapshot of the pool.
type Stats struct {
	Running   int // calls running
	Queued    int // calls waiting for a slot
	Warm      int // idle instances bound to an app
	Spare     int // idle instances not yet bound
	Instances int // all instances, including booting
	Booted    int64
	Recycled  int64
}

// Runtime is the pool of instances and the dispatcher of calls.
type Runtime struct {
	cfg    Config
	log    *slog.Logger
	drv    Driver
	sw     *storeWriter // nil without a store
	image  *Image
	ctx    context.Context // lifecycle
	cancel context.CancelFunc
	wg     sync.WaitGroup

	fpMu sync.Mutex // guards fp
	fp   Fingerprint

	mu        sync.Mutex // guards the fields below
	closed    bool
	insts     map[string]*instance
	running   int
	perApp    map[string]int // running calls per app
	waiters   []*waiter
	booting   int
	bootingBy map[string]int // booting instances per app
	booted    int64
	recycled  int64
}

type waiter struct {
	app   string
	ready chan struct{}
}

// instance is one booted guest.
type instance struct {
	id      string
	app     string // "" while spare
	memMB   int
	handle  *TaskHandle
	conn    *agentConn
	loaded  string // artifact hash
	calls   int
	busy    bool
	started time.Time
	lastUse time.Time
	stderr  *tailBuffer // the instance's own stderr (JVM and sandbox messages)
}

// New builds (or reuses) the base image, fingerprints the driver and starts the pool.
func New(cfg Config, store InstanceStore) (*Runtime, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("unikernel config: %w", err)
	}
	newDrv, err := lookupDriver(cfg.Driver)
	if err != nil {
		return nil, err
	}
	drv, err := newDrv()
	if err != nil {
		return nil, fmt.Errorf("driver %s: %w", cfg.Driver, err)
	}
	return NewWithDriver(cfg, drv, store)
}

// NewWithDriver is New with an already constructed driver (tests, embedding).
func NewWithDriver(cfg Config, drv Driver, store InstanceStore) (*Runtime, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("unikernel config: %w", err)
	}
	if drv == nil {
		return nil, fmt.Errorf("nil driver: %w", ErrUnknownDriver)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt := &Runtime{cfg: cfg, log: cfg.Logger.With("component", "unikernel", "driver", cfg.Driver), drv: drv,
		ctx: ctx, cancel: cancel, insts: map[string]*instance{}, perApp: map[string]int{}, bootingBy: map[string]int{}}
	fps, err := drv.Fingerprint(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("fingerprint %s: %w", cfg.Driver, err)
	}
	rt.fp = <-fps
	if rt.fp.Health == HealthUndetected {
		cancel()
		return nil, fmt.Errorf("driver %s: %s: %w", cfg.Driver, rt.fp.Description, ErrUnknownDriver)
	}
	if len(rt.fp.Missing) > 0 {
		if !cfg.AllowWeakIsolation {
			cancel()
			return nil, fmt.Errorf("driver %s lacks %v: %w", cfg.Driver, rt.fp.Missing, ErrWeakIsolation)
		}
		rt.log.Warn("weak isolation accepted", "missing", rt.fp.Missing)
	}
	rt.image, err = BuildImage(ctx, cfg.ImageDir, cfg.JavaHome)
	if err != nil {
		cancel()
		return nil, err
	}
	rt.log.Info("image ready", "hash", rt.image.Hash, "dir", rt.image.Dir)
	if store != nil {
		rt.sw = newStoreWriter(store, rt.log)
	}
	rt.wg.Add(2)
	go func() {
		defer rt.wg.Done()
		for fp := range fps {
			rt.fpMu.Lock()
			rt.fp = fp
			rt.fpMu.Unlock()
		}
	}()
	go rt.maintain()
	return rt, nil
}

// Image returns the base image in use.
func (rt *Runtime) Image() *Image { return rt.image }

// Fingerprint returns the driver's latest fingerprint.
func (rt *Runtime) Fingerprint() Fingerprint {
	rt.fpMu.Lock()
	defer rt.fpMu.Unlock()
	return rt.fp
}

// Stats returns a snapshot of the pool.
func (rt *Runtime) Stats() Stats {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	s := Stats{Running: rt.running, Queued: len(rt.waiters), Instances: len(rt.insts), Booted: rt.booted, Recycled: rt.recycled}
	for _, in := range rt.insts {
		if in.busy || in.handle == nil {
			continue
		}
		if in.app == "" {
			s.Spare++
		} else {
			s.Warm++
		}
	}
	return s
}

// Close stops every instance and the pool's goroutines. Calls in flight are killed.
func (rt *Runtime) Close() error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil
	}
	rt.closed = true
	var all []*instance
	for _, in := range rt.insts {
		all = append(all, in)
	}
	for _, w := range rt.waiters {
		close(w.ready)
	}
	rt.waiters = nil
	rt.mu.Unlock()
	rt.cancel()
	for _, in := range all {
		rt.stop(in, "close")
	}
	rt.wg.Wait()
	if rt.sw != nil {
		rt.sw.close()
	}
	if c, ok := rt.drv.(DriverCloser); ok {
		return c.Close()
	}
	return nil
}

// maintain keeps spares booted and stops idle instances.
func (rt *Runtime) maintain() {
	defer rt.wg.Done()
	tick := time.NewTicker(min(rt.cfg.IdleTimeout/4, 5*time.Second))
	defer tick.Stop()
	for {
		rt.refill()
		select {
		case <-rt.ctx.Done():
			return
		case <-tick.C:
		}
		rt.reap()
	}
}

func (rt *Runtime) refill() {
	rt.mu.Lock()
	spare := rt.bootingBy[""]
	for _, in := range rt.insts {
		if in.app == "" && in.handle != nil {
			spare++
		}
	}
	need := rt.cfg.Spare - spare
	room := rt.cfg.MaxInstances - len(rt.insts) - rt.booting
	rt.mu.Unlock()
	for i := 0; i < min(need, room); i++ {
		rt.bootAsync("", rt.cfg.Limits.MemoryMB)
	}
}

func (rt *Runtime) reap() {
	now := time.Now()
	rt.mu.Lock()
	idle := map[string][]*instance{}
	for _, in := range rt.insts {
		if !in.busy && in.handle != nil && in.app != "" {
			idle[in.app] = append(idle[in.app], in)
		}
	}
	var victims []*instance
	for _, list := range idle {
		left := len(list)
		for _, in := range list {
			if now.Sub(in.lastUse) > rt.cfg.IdleTimeout && left > rt.cfg.MinWarm {
				victims = append(victims, in)
				in.busy = true
				left--
			}
		}
	}
	rt.mu.Unlock()
	for _, in := range victims {
		rt.stop(in, "idle")
	}
}

// background runs f in a goroutine Close waits for; it does nothing once closed.
func (rt *Runtime) background(f func()) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return false
	}
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		f()
	}()
	return true
}

func (rt *Runtime) bootAsync(app string, memMB int) {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return
	}
	rt.booting++
	rt.bootingBy[app]++
	rt.wg.Add(1) // under mu, before Close can start waiting
	rt.mu.Unlock()
	go func() {
		defer rt.wg.Done()
		in, err := rt.boot(rt.ctx, app, memMB)
		rt.mu.Lock()
		rt.booting--
		rt.bootingBy[app]--
		if err == nil {
			in.busy = false
		}
		rt.mu.Unlock()
		if err != nil {
			if rt.ctx.Err() == nil {
				rt.log.Warn("background boot failed", "err", err)
			}
			return
		}
		rt.record(in, "idle")

	}()
}

func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "uk-" + hex.EncodeToString(b[:])
}

// boot starts one instance and waits for its agent; the instance is returned busy.
func (rt *Runtime) boot(ctx context.Context, app string, memMB int) (*instance, error) {
	ctx, cancel := context.WithTimeout(ctx, rt.cfg.BootTimeout)
	defer cancel()
	in := &instance{id: newID(), app: app, memMB: memMB, busy: true, started: time.Now(), stderr: &tailBuffer{max: 4096}}
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil, ErrClosed
	}
	rt.insts[in.id] = in
	rt.mu.Unlock()
	rt.record(in, "booting")
	tc := TaskConfig{ID: in.id, App: app, RootFS: rt.image.RootFS, Argv: agentArgv(rt.image, rt.drv, memMB), MemoryMB: memMB,
		PidsMax: 192, CPUTime: rt.cfg.MaxLimits.CPUTime * time.Duration(rt.cfg.MaxCallsPerInstance+1), TmpMB: 64,
		Stderr: in.stderr, CPUs: rt.cfg.InstanceCPUs}
	h, err := rt.drv.StartTask(ctx, tc)
	if err != nil {
		rt.forget(in)
		return nil, fmt.Errorf("start instance: %w (stderr: %s)", err, in.stderr)
	}
	conn := newAgentConn(h.Conn)
	rt.mu.Lock() // Close may stop this instance while it boots
	in.conn = conn
	rt.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- conn.ping() }()
	pinged := false
	select {
	case err = <-done:
		pinged = true
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		_ = rt.drv.StopTask(context.Background(), in.id)
		_ = h.Conn.Close()
		if !pinged {
			<-done
		}
		rt.forget(in)
		return nil, fmt.Errorf("instance %s did not answer: %w (stderr: %s)", in.id, err, in.stderr)
	}
	rt.mu.Lock()
	closed := rt.closed
	in.handle = h
	in.lastUse = time.Now()
	rt.booted++
	rt.mu.Unlock()
	if closed { // Close ran while this instance booted: do not leave it running
		_ = rt.drv.StopTask(context.Background(), in.id)
		_ = h.Conn.Close()
		rt.forget(in)
		return nil, ErrClosed
	}
	rt.log.Debug("instance booted", "id", in.id, "app", app, "took", time.Since(in.started))
	return in, nil
}

func (rt *Runtime) forget(in *instance) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	delete(rt.insts, in.id)
	if rt.sw != nil {
		rt.sw.enqueue(in.id, nil)
	}
}

// record queues the instance's status for the store; it never blocks on the store.
func (rt *Runtime) record(in *instance, state string) {
	if rt.sw == nil {
		return
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.insts[in.id] != in {
		return // already forgotten: never resurrect its record
	}
	rec := InstanceRecord{ID: in.id, App: in.app, Driver: rt.cfg.Driver, State: state, Calls: in.calls, MemoryMB: in.memMB,
		StartedAt: in.started, UpdatedAt: time.Now()}
	rt.sw.enqueue(in.id, &rec)
}

// storeWriter applies instance records to the InstanceStore from one goroutine, coalescing
// updates per instance, so calls never wait for the repository.
type storeWriter struct {
	store InstanceStore
	log   *slog.Logger
	kick  chan struct{}
	done  chan struct{} // closed by Close after the last record was queued
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
			sw.flush()
		case <-sw.done:
			sw.flush()
			return
		}
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

// stop kills an instance and forgets it.
func (rt *Runtime) stop(in *instance, why string) {
	rt.mu.Lock()
	conn := in.conn // set by boot, which may still run when Close stops the instance
	rt.mu.Unlock()
	if conn != nil && why == "idle" {
		conn.exit()
	}
	if err := rt.drv.StopTask(context.Background(), in.id); err != nil {
		rt.log.Warn("stop instance", "id", in.id, "err", err)
	}
	if conn != nil {
		_ = conn.rw.Close()
	}
	rt.mu.Lock()
	if why != "close" && why != "idle" {
		rt.recycled++
	}
	rt.mu.Unlock()
	rt.forget(in)
	rt.log.Debug("instance stopped", "id", in.id, "app", in.app, "why", why)

}

// acquireSlot takes a global and per-app slot, waiting in the bounded queue.
func (rt *Runtime) acquireSlot(ctx context.Context, app string) error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return ErrClosed
	}
	if len(rt.waiters) == 0 && rt.canRun(app) {
		rt.take(app)
		rt.mu.Unlock()
		return nil
	}
	if len(rt.waiters) >= rt.cfg.QueueLen {
		rt.mu.Unlock()
		return ErrBusy
	}
	w := &waiter{app: app, ready: make(chan struct{})}
	rt.waiters = append(rt.waiters, w)
	rt.mu.Unlock()
	select {
	case <-w.ready:
		rt.mu.Lock()
		closed := rt.closed
		rt.mu.Unlock()
		if closed {
			return ErrClosed
		}
		return nil
	case <-ctx.Done():
		rt.mu.Lock()
		defer rt.mu.Unlock()
		for i, x := range rt.waiters {
			if x == w {
				rt.waiters = append(rt.waiters[:i], rt.waiters[i+1:]...)
				return canceled(ctx)
			}
		}
		// granted meanwhile: give it back
		if !rt.closed {
			rt.release(app)
		}
		return canceled(ctx)
	}
}

func canceled(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("waiting for a slot: %w", ErrTimeout)
	}
	return fmt.Errorf("waiting for a slot: %w", ErrCanceled)
}

func (rt *Runtime) canRun(app string) bool {
	return rt.running < rt.cfg.MaxConcurrent && rt.perApp[app] < rt.cfg.MaxPerApp
}

func (rt *Runtime) take(app string) {
	rt.running++
	rt.perApp[app]++
}

// release returns a slot and grants waiters; rt.mu must be held.
func (rt *Runtime) release(app string) {
	rt.running--
	rt.perApp[app]--
	if rt.perApp[app] == 0 {
		delete(rt.perApp, app)
	}
	for i := 0; i < len(rt.waiters); {
		w := rt.waiters[i]
		if rt.canRun(w.app) {
			rt.take(w.app)
			close(w.ready)
			rt.waiters = append(rt.waiters[:i], rt.waiters[i+1:]...)
			continue
		}
		i++
	}
}

// instanceFor returns a busy instance bound to app with memMB, reusing an idle one, a spare,
// or booting one (evicting an idle instance of another app when at MaxInstances).
func (rt *Runtime) instanceFor(ctx context.Context, app string, memMB int) (*instance, error) {
	for {
		rt.mu.Lock()
		if rt.closed {
			rt.mu.Unlock()
			return nil, ErrClosed
		}
		var best, spare, victim *instance
		for _, in := range rt.insts {
			if in.busy || in.handle == nil {
				continue
			}
			switch {
			case in.app == app && in.memMB == memMB:
				if best == nil || in.lastUse.After(best.lastUse) {
					best = in
				}
			case in.app == "" && in.memMB == memMB:
				spare = in
			default:
				if victim == nil || in.lastUse.Before(victim.lastUse) {
					victim = in
				}
			}
		}
		if best == nil && spare != nil {
			best = spare
			best.app = app
		}
		if best != nil {
			best.busy = true
			rt.mu.Unlock()
			if spare == best {
				rt.background(rt.refill)
			}
			return best, nil
		}
		full := len(rt.insts) >= rt.cfg.MaxInstances
		if full && victim != nil {
			victim.busy = true
		}
		rt.mu.Unlock()
		if full {
			if victim == nil {
				// every instance is busy or booting: wait a little (slots bound the running calls)
				select {
				case <-ctx.Done():
					return nil, canceled(ctx)
				case <-time.After(5 * time.Millisecond):
				}
				continue
			}
			rt.stop(victim, "evict")
			continue
		}
		return rt.boot(ctx, app, memMB)
	}
}
