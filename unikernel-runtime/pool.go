package unikernel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// instanceState is where an instance is in its life.
type instanceState int

// Instance states.
const (
	stateBooting  instanceState = iota // started, the agent has not answered yet
	stateIdle                          // answering, no call
	stateBusy                          // running calls (or handed to one)
	stateStopping                      // being stopped; never handed out again
)

func (s instanceState) String() string {
	switch s {
	case stateBooting:
		return "booting"
	case stateIdle:
		return "idle"
	case stateBusy:
		return "busy"
	case stateStopping:
		return "stopping"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// StopReason says why the runtime stopped an instance.
type StopReason string

// Stop reasons. Every reason but StopClose and StopIdle counts as a recycle in Stats.
const (
	StopClose  StopReason = "close"  // the runtime closed
	StopIdle   StopReason = "idle"   // idle beyond Config.IdleTimeout, above Config.MinWarm
	StopEvict  StopReason = "evict"  // room for another app at Config.MaxInstances
	StopBreach StopReason = "breach" // a call breached a limit, timed out or was canceled
	StopCrash  StopReason = "crash"  // the instance died or broke the protocol during a call
	StopCalls  StopReason = "calls"  // served Config.MaxCallsPerInstance calls
	StopAge    StopReason = "age"    // older than Config.MaxAge, or used half its lifetime CPU
	StopMemory StopReason = "memory" // grew beyond Config.RecycleMemoryPercent of its limit
)

// instance is one booted guest. Runtime.mu guards its mutable fields.
type instance struct {
	id     string
	app    string // "" while spare
	memMB  int
	state  instanceState
	handle *TaskHandle // nil while booting
	conn   *agentConn  // set once started
	loaded string      // artifact hash
	calls  int
	renew  StopReason // set: retire once idle; a replacement is booting
	// inflight counts the calls on the instance (at most Config.InstanceConcurrency, all of the
	// loaded artifact); exclusive means one operation (a compile, a load) has it alone.
	inflight  int
	exclusive bool
	cpuSample time.Duration // CPU used, as last inspected at cpuAt
	cpuAt     time.Time
	started   time.Time
	lastUse   time.Time
	stderr    *tailBuffer // the instance's own stderr (JVM and sandbox messages)
}

// setState changes in's state, records it (the store writer coalesces) and wakes calls waiting
// for an instance; rt.mu must be held.
func (rt *Runtime) setState(in *instance, s instanceState) {
	in.state = s
	rt.recordLocked(in)
	if s == stateIdle {
		rt.notifyLocked()
	}
}

// notifyLocked wakes every call waiting in instanceFor; rt.mu must be held.
func (rt *Runtime) notifyLocked() {
	close(rt.changed)
	rt.changed = make(chan struct{})
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
		rt.renew()
	}
}

// lifetimeCPU is an instance's CPU-time backstop (RLIMIT_CPU); renew replaces an instance at half of it.
func (rt *Runtime) lifetimeCPU() time.Duration {
	if rt.cfg.MaxCallsPerInstance > 0 {
		return rt.cfg.MaxLimits.CPUTime * time.Duration(rt.cfg.MaxCallsPerInstance+1)
	}
	return rt.cfg.MaxLimits.CPUTime * 100
}

// renew replaces idle instances that are too old or have grown: a fresh instance of the same app
// (its artifact loaded) boots first, then the old one stops, so no call waits for the boot.
func (rt *Runtime) renew() {
	type aged struct {
		in  *instance
		why StopReason
	}
	now := time.Now()
	rt.mu.Lock()
	var check []*instance
	for _, in := range rt.insts {
		if in.state == stateIdle && in.renew == "" {
			check = append(check, in)
		}
	}
	rt.mu.Unlock()
	var old []aged
	for _, in := range check {
		why := StopReason("")
		if now.Sub(in.started) > rt.cfg.MaxAge {
			why = StopAge
		}
		if u, err := rt.drv.InspectTask(in.id); err == nil {
			switch {
			case u.CPU > rt.lifetimeCPU()/2:
				why = StopAge
			case u.MemoryBytes > uint64(in.memMB)<<20*uint64(rt.cfg.RecycleMemoryPercent)/100:
				why = StopMemory
			}
		}
		if why != "" {
			old = append(old, aged{in, why})
		}
	}
	for _, o := range old {
		rt.mu.Lock()
		ok := o.in.state == stateIdle && o.in.renew == "" && rt.insts[o.in.id] == o.in
		room := len(rt.insts)+rt.booting < rt.cfg.MaxInstances
		if ok {
			o.in.renew = o.why
		}
		rt.mu.Unlock()
		if !ok {
			continue
		}
		rt.log.Debug("renewing instance", "id", o.in.id, "app", o.in.app, "why", o.why)
		if !room {
			rt.retireIdle(o.in)
			continue
		}
		rt.bootAsync(o.in.app, o.in.memMB, func() { rt.retireIdle(o.in) })
	}
}

// retireIdle retires an instance marked for renewal if it is idle; a busy one retires after its call.
func (rt *Runtime) retireIdle(in *instance) {
	rt.mu.Lock()
	ok := in.state == stateIdle && rt.insts[in.id] == in
	why := in.renew
	if ok {
		in.state = stateStopping
	}
	rt.mu.Unlock()
	if ok {
		rt.retire(in, why)
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
		rt.bootAsync("", rt.cfg.Limits.MemoryMB, nil)
	}
}

func (rt *Runtime) reap() {
	now := time.Now()
	rt.mu.Lock()
	idle := map[string][]*instance{}
	for _, in := range rt.insts {
		if in.state == stateIdle && in.app != "" {
			idle[in.app] = append(idle[in.app], in)
		}
	}
	var victims []*instance
	for _, list := range idle {
		left := len(list)
		for _, in := range list {
			if now.Sub(in.lastUse) > rt.cfg.IdleTimeout && left > rt.cfg.MinWarm {
				victims = append(victims, in)
				rt.setState(in, stateStopping)
				left--
			}
		}
	}
	rt.mu.Unlock()
	for _, in := range victims {
		rt.stop(in, StopIdle)
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

// bootAsync boots an instance for app ("" = a spare) in the background, loads the app's latest
// artifact into it and leaves it idle; then runs after that, if not nil.
func (rt *Runtime) bootAsync(app string, memMB int, then func()) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.bootAsyncLocked(app, memMB, then)
}

// bootAsyncLocked is bootAsync with rt.mu held.
func (rt *Runtime) bootAsyncLocked(app string, memMB int, then func()) {
	if rt.closed {
		return
	}
	rt.booting++
	rt.bootingBy[app]++
	rt.wg.Add(1) // under mu, before Close can start waiting
	go func() {
		defer rt.wg.Done()
		in, err := rt.boot(rt.ctx, app, memMB)
		if err == nil {
			rt.preload(in)
		}
		rt.mu.Lock()
		rt.booting--
		rt.bootingBy[app]--
		if err == nil && in.state == stateBusy {
			rt.setState(in, stateIdle)
		}
		rt.mu.Unlock()
		if err != nil && rt.ctx.Err() == nil {
			rt.log.Warn("background boot failed", "err", err)
		}
		if then != nil {
			then()
		}
	}()
}

// preload loads the latest artifact of in's app into the busy instance in, so its first call does not.
func (rt *Runtime) preload(in *instance) {
	rt.mu.Lock()
	art, ok := rt.artifacts[in.app]
	rt.mu.Unlock()
	if !ok || in.app == "" {
		return
	}
	if err := in.conn.load(art); err != nil {
		rt.log.Debug("preload", "id", in.id, "err", err)
		return
	}
	rt.mu.Lock()
	in.loaded = art.Hash
	rt.mu.Unlock()
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
	in := &instance{id: newID(), app: app, memMB: memMB, state: stateBooting, started: time.Now(), stderr: &tailBuffer{max: 4096}}
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil, ErrClosed
	}
	rt.insts[in.id] = in
	rt.recordLocked(in)
	rt.mu.Unlock()
	tc := TaskConfig{ID: in.id, Group: app, RootFS: rt.image.RootFS, Argv: agentArgv(rt.image, rt.drv, memMB), MemoryMB: memMB,
		PidsMax: 192, CPUTime: rt.lifetimeCPU(), TmpMB: 64,
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
		conn.close()
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
	if !closed && in.state == stateBooting {
		rt.setState(in, stateBusy)
	}
	rt.mu.Unlock()
	if closed { // Close ran while this instance booted: do not leave it running
		_ = rt.drv.StopTask(context.Background(), in.id)
		conn.close()
		rt.forget(in)
		return nil, ErrClosed
	}
	rt.log.Debug("instance booted", "id", in.id, "app", app, "took", time.Since(in.started))
	return in, nil
}

// forget drops an instance from the pool and the store.
func (rt *Runtime) forget(in *instance) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.insts[in.id] != in {
		return
	}
	delete(rt.insts, in.id)
	if rt.sw != nil {
		rt.sw.enqueue(in.id, nil)
	}
	rt.notifyLocked() // room for another instance
}

// stop kills an instance and forgets it.
func (rt *Runtime) stop(in *instance, why StopReason) {
	rt.mu.Lock()
	conn := in.conn // set by boot, which may still run when Close stops the instance
	in.state = stateStopping
	if rt.insts[in.id] == in { // count each instance once
		rt.stopped[why]++
	}
	rt.mu.Unlock()
	if conn != nil && why == StopIdle {
		conn.exit()
	}
	if err := rt.drv.StopTask(context.Background(), in.id); err != nil {
		rt.log.Warn("stop instance", "id", in.id, "err", err)
	}
	if conn != nil {
		conn.close()
	}
	rt.forget(in)
	rt.log.Debug("instance stopped", "id", in.id, "app", in.app, "why", why)
}

// retire stops an instance in the background and keeps the app's warm minimum.
func (rt *Runtime) retire(in *instance, why StopReason) {
	rt.mu.Lock()
	in.state = stateStopping
	rt.mu.Unlock()
	ok := rt.background(func() {
		rt.stop(in, why)
		rt.mu.Lock()
		warm := rt.bootingBy[in.app]
		for _, x := range rt.insts {
			if x.app == in.app {
				warm++
			}
		}
		want := !rt.closed && warm < rt.cfg.MinWarm && len(rt.insts)+rt.booting < rt.cfg.MaxInstances
		rt.mu.Unlock()
		if want {
			rt.bootAsync(in.app, in.memMB, nil)
		}
	})
	if !ok {
		rt.stop(in, why)
	}
}

// instanceFor returns an instance bound to app with memMB for one more call, counted in its
// inflight. A call shares an instance with other calls of the same artifact (hash) up to
// Config.InstanceConcurrency; an exclusive call (a compile) and a call that must load its artifact
// have the instance alone until done (or loaded). Without room it takes a spare, boots one (on the
// path only for the app's first instance: otherwise in the background, taking whichever instance
// has room first), or evicts an idle instance of another app at MaxInstances, and else waits.
func (rt *Runtime) instanceFor(ctx context.Context, app string, memMB int, hash string, exclusive bool) (*instance, error) {
	for {
		rt.mu.Lock()
		if rt.closed {
			rt.mu.Unlock()
			return nil, ErrClosed
		}
		var best, spare, victim *instance
		mine := rt.bootingBy[app]
		for _, in := range rt.insts {
			if in.app == app && in.state != stateStopping {
				mine++
			}
			if in.state != stateIdle && in.state != stateBusy {
				continue
			}
			switch {
			case in.app == app && in.memMB == memMB:
				if in.renew != "" || in.exclusive || in.inflight >= rt.cfg.InstanceConcurrency ||
					(in.inflight > 0 && (exclusive || in.loaded != hash)) {
					continue
				}
				// the least loaded; among equals the one with the artifact, then the most recently used
				if best == nil || in.inflight < best.inflight ||
					(in.inflight == best.inflight && (in.loaded == hash && best.loaded != hash ||
						(in.loaded == best.loaded && in.lastUse.After(best.lastUse)))) {
					best = in
				}
			case in.state == stateIdle && in.app == "" && in.memMB == memMB:
				spare = in
			case in.state == stateIdle:
				if victim == nil || in.lastUse.Before(victim.lastUse) {
					victim = in
				}
			}
		}
		if best != nil && best.inflight > 0 && mine < rt.cfg.MaxPerApp && rt.bootingBy[app] == 0 &&
			len(rt.insts)+rt.booting < rt.cfg.MaxInstances {
			// calls overlap: grow the app by one instance in the background, its artifact loaded
			rt.bootAsyncLocked(app, memMB, nil)
		}
		if best == nil && spare != nil {
			best = spare
			best.app = app
		}
		if best != nil {
			rt.take(best, hash, exclusive)
			rt.mu.Unlock()
			if spare == best {
				rt.background(rt.refill)
			}
			return best, nil
		}
		full := len(rt.insts)+rt.booting >= rt.cfg.MaxInstances
		bootNow := !full && mine == 0
		if !full && mine > 0 && mine < rt.cfg.MaxPerApp && rt.bootingBy[app] == 0 {
			rt.bootAsyncLocked(app, memMB, nil)
		}
		if full && victim != nil {
			rt.setState(victim, stateStopping)
		}
		changed := rt.changed
		rt.mu.Unlock()
		if bootNow {
			in, err := rt.boot(ctx, app, memMB)
			if err != nil {
				return nil, err
			}
			rt.mu.Lock()
			rt.take(in, hash, exclusive)
			rt.mu.Unlock()
			return in, nil
		}
		if full && victim != nil {
			rt.stop(victim, StopEvict)
			continue
		}
		// every instance of the app is at capacity, booting or stopping; slots bound the calls
		select {
		case <-ctx.Done():
			return nil, canceled(ctx)
		case <-changed:
		}
	}
}

// take counts one more call on in; a call that must load hash, or wants in alone, holds it
// exclusively until loaded (or done); rt.mu must be held.
func (rt *Runtime) take(in *instance, hash string, exclusive bool) {
	in.inflight++
	if exclusive || in.loaded != hash {
		in.exclusive = true
	}
	if in.state != stateBusy {
		rt.setState(in, stateBusy)
	}
}

// loadedLocked marks in as holding hash and open to sharing again; rt.mu must be held.
func (rt *Runtime) loadedLocked(in *instance, hash string) {
	in.loaded = hash
	in.exclusive = false
	rt.notifyLocked()
}

// done ends one call on in: when it was the last one the instance turns idle, or retires when
// marked for renewal; otherwise its freed room wakes waiting calls.
func (rt *Runtime) done(in *instance) {
	rt.mu.Lock()
	in.inflight--
	in.exclusive = false
	in.lastUse = time.Now()
	if in.state != stateBusy { // stopped meanwhile (Close, a crash of another call)
		rt.mu.Unlock()
		return
	}
	if in.inflight > 0 {
		rt.notifyLocked()
		rt.mu.Unlock()
		return
	}
	why := in.renew
	if why == "" {
		rt.setState(in, stateIdle)
		rt.mu.Unlock()
		return
	}
	in.state = stateStopping
	rt.mu.Unlock()
	rt.retire(in, why)
}
