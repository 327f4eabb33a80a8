package unikernel

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The watchdog enforces every call's limits. A wall-time timer and the caller's context end a
// call; one goroutine samples the CPU time of every busy instance every cpuTick and ends calls
// past their CPU limit. Ending a call that has its instance alone kills the instance. Ending one
// of several calls sharing an instance cancels it in the agent (its thread is stopped) and marks
// the instance for renewal once its other calls are done; if the call has not ended after
// cancelGrace, the instance is killed after all.

const (
	cpuTick     = 20 * time.Millisecond
	cancelGrace = 2 * time.Second
)

// CPUReader is implemented by drivers that read an instance's CPU time more cheaply than
// InspectTask; the watchdog reads it at the start of calls and every cpuTick.
type CPUReader interface {
	TaskCPU(id string) (time.Duration, error)
}

// taskCPU is the CPU time instance id has used.
func (rt *Runtime) taskCPU(id string) (time.Duration, error) {
	if r, ok := rt.drv.(CPUReader); ok {
		return r.TaskCPU(id)
	}
	u, err := rt.drv.InspectTask(id)
	return u.CPU, err
}

// running is one call on an instance, as the watchdog sees it. Runtime.mu guards its fields.
type running struct {
	in       *instance
	lim      Limits
	cpuBase  time.Duration // the instance's CPU time when the call began
	agentID  uint32        // the call's id in the agent, 0 until sent
	reason   error         // why the watchdog ended the call, nil if it did not
	killed   bool          // the watchdog killed the instance
	finished bool
	stop     func() // stops the timers
}

// watch starts watching a call on in; unwatch must follow.
func (rt *Runtime) watch(ctx context.Context, in *instance, lim Limits) *running {
	r := &running{in: in, lim: lim}
	rt.mu.Lock()
	fresh := time.Since(in.cpuAt) < 3*cpuTick
	r.cpuBase = in.cpuSample
	rt.mu.Unlock()
	if !fresh {
		if cpu, err := rt.taskCPU(in.id); err == nil {
			r.cpuBase = cpu
			rt.mu.Lock()
			in.cpuSample, in.cpuAt = cpu, time.Now()
			rt.mu.Unlock()
		}
	}
	wall := time.AfterFunc(lim.WallTime, func() {
		rt.breach(r, fmt.Errorf("wall time %v: %w", lim.WallTime, ErrTimeout))
	})
	stopCtx := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			rt.breach(r, fmt.Errorf("caller deadline: %w", ErrTimeout))
			return
		}
		rt.breach(r, fmt.Errorf("instance %s: %w", in.id, ErrCanceled))
	})
	r.stop = func() {
		wall.Stop()
		stopCtx()
	}
	rt.mu.Lock()
	rt.calls[r] = struct{}{}
	if len(rt.calls) == 1 {
		select {
		case rt.cpuKick <- struct{}{}:
		default:
		}
	}
	rt.mu.Unlock()
	return r
}

// unwatch ends watching r and reports whether (and how) the watchdog ended the call.
func (rt *Runtime) unwatch(r *running) (reason error, killed bool) {
	r.stop()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	r.finished = true
	delete(rt.calls, r)
	return r.reason, r.killed
}

// sent records the call's id in the agent; a call ended before it was sent is canceled now.
func (rt *Runtime) sent(r *running, id uint32) {
	rt.mu.Lock()
	r.agentID = id
	cancel := r.reason != nil && !r.killed
	rt.mu.Unlock()
	if cancel {
		rt.cancelInAgent(r, id)
	}
}

// breach ends call r for why (the first reason wins).
func (rt *Runtime) breach(r *running, why error) {
	rt.mu.Lock()
	if r.reason != nil || r.finished {
		rt.mu.Unlock()
		return
	}
	r.reason = why
	in := r.in
	alone := in.inflight <= 1 || in.exclusive
	r.killed = alone
	if in.renew == "" {
		in.renew = StopBreach // no new call joins it
	}
	id := r.agentID
	rt.mu.Unlock()
	switch {
	case alone:
		_ = rt.drv.StopTask(context.Background(), in.id)
	case id != 0:
		rt.cancelInAgent(r, id)
	} // else: sent cancels it
}

// cancelInAgent stops call id in the agent and kills the instance if the call outlives cancelGrace.
func (rt *Runtime) cancelInAgent(r *running, id uint32) {
	if err := r.in.conn.cancel(id); err != nil {
		rt.log.Debug("cancel in agent", "id", r.in.id, "err", err)
	}
	time.AfterFunc(cancelGrace, func() {
		rt.mu.Lock()
		late := !r.finished
		if late {
			r.killed = true
		}
		rt.mu.Unlock()
		if late {
			_ = rt.drv.StopTask(context.Background(), r.in.id)
		}
	})
}

// cpuWatch samples the CPU time of instances with calls every cpuTick while there are calls.
func (rt *Runtime) cpuWatch() {
	defer rt.wg.Done()
	tick := time.NewTicker(cpuTick)
	defer tick.Stop()
	for {
		rt.mu.Lock()
		idle := len(rt.calls) == 0
		rt.mu.Unlock()
		if idle {
			select {
			case <-rt.ctx.Done():
				return
			case <-rt.cpuKick:
			}
		}
		select {
		case <-rt.ctx.Done():
			return
		case <-tick.C:
		}
		rt.mu.Lock()
		byInst := map[*instance][]*running{}
		for r := range rt.calls {
			byInst[r.in] = append(byInst[r.in], r)
		}
		rt.mu.Unlock()
		for in, rs := range byInst {
			cpu, err := rt.taskCPU(in.id)
			if err != nil {
				continue
			}
			rt.mu.Lock()
			in.cpuSample, in.cpuAt = cpu, time.Now()
			rt.mu.Unlock()
			for _, r := range rs {
				if used := cpu - r.cpuBase; used > r.lim.CPUTime {
					rt.breach(r, &LimitError{Limit: "cpu", Message: fmt.Sprintf("used %v of CPU, limit %v",
						used.Round(time.Millisecond), r.lim.CPUTime)})
				}
			}
		}
	}
}
