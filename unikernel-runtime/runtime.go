package unikernel

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// Stats is a snapshot of the pool.
type Stats struct {
	Running   int   // calls running (in flight)
	Queued    int   // calls waiting for a slot
	Warm      int   // idle instances bound to a group
	Spare     int   // idle instances not yet bound
	Booting   int   // instances starting
	Busy      int   // instances running a call
	Instances int   // all instances, including booting and stopping
	Booted    int64 // instances booted since New
	Recycled  int64 // instances stopped for any reason but StopClose and StopIdle
	// Stopped counts stopped instances by reason since New.
	Stopped map[StopReason]int64
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

	mu        sync.Mutex // guards the fields below and every instance's mutable fields
	closed    bool
	insts     map[string]*instance
	slots     slots
	changed   chan struct{} // closed and replaced when an instance turns idle or goes away
	booting   int
	bootingBy map[string]int // booting instances per app
	booted    int64
	stopped   map[StopReason]int64
	artifacts map[string]Artifact   // latest artifact per app, preloaded into fresh instances
	calls     map[*running]struct{} // calls in flight, for the CPU watchdog
	cpuKick   chan struct{}         // wakes the CPU watchdog when calls start
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
		ctx: ctx, cancel: cancel, insts: map[string]*instance{}, slots: newSlots(), changed: make(chan struct{}),
		bootingBy: map[string]int{}, stopped: map[StopReason]int64{}, artifacts: map[string]Artifact{},
		calls: map[*running]struct{}{}, cpuKick: make(chan struct{}, 1)}
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
	rt.wg.Add(3)
	go rt.cpuWatch()
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
	s := Stats{Running: rt.slots.running, Queued: len(rt.slots.waiters), Instances: len(rt.insts), Booted: rt.booted,
		Stopped: make(map[StopReason]int64, len(rt.stopped))}
	for why, n := range rt.stopped {
		s.Stopped[why] = n
		if why != StopClose && why != StopIdle {
			s.Recycled += n
		}
	}
	for _, in := range rt.insts {
		switch {
		case in.state == stateBooting:
			s.Booting++
		case in.state == stateBusy:
			s.Busy++
		case in.state == stateIdle && in.app == "":
			s.Spare++
		case in.state == stateIdle:
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
	rt.closeSlots()
	rt.notifyLocked()
	rt.mu.Unlock()
	rt.cancel()
	for _, in := range all {
		rt.stop(in, StopClose)
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
