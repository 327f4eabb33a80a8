package unikernel

import (
	"context"
	"errors"
	"fmt"
)

// The slot queue admits calls: at most Config.MaxConcurrent run at once, at most
// Config.MaxPerApp × Config.InstanceConcurrency of one app, and at most Config.QueueLen wait. A call that can run now never waits behind calls
// that wait for their own app's slots (no head-of-line blocking). When a slot frees, it goes to the
// waiting call whose owner runs the fewest calls, among equals the owner served longest ago (round
// robin), then the oldest call; one owner holds at most half the queue. So one phone cannot
// starve the others.

// waiter is one call waiting for a slot; ready is closed when the slot is granted (or at Close).
type waiter struct {
	app, owner string
	ready      chan struct{}
}

// slots is the bookkeeping of the slot queue; Runtime.mu guards it.
type slots struct {
	running  int
	perApp   map[string]int    // running calls per app
	perOwner map[string]int    // running calls per owner
	queued   map[string]int    // waiting calls per owner
	served   map[string]uint64 // grant number of each active owner's last grant
	grants   uint64
	waiters  []*waiter // in arrival order
}

func newSlots() slots {
	return slots{perApp: map[string]int{}, perOwner: map[string]int{}, queued: map[string]int{}, served: map[string]uint64{}}
}

// acquireSlot takes a global and per-app slot for a call of app by owner, waiting in the bounded queue.
func (rt *Runtime) acquireSlot(ctx context.Context, app, owner string) error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return ErrClosed
	}
	s := &rt.slots
	// Every waiter that could run was granted when the slot it waits for freed, so a call that
	// can run now takes its slot at once.
	if rt.canRun(app) {
		s.take(app, owner)
		rt.mu.Unlock()
		return nil
	}
	if len(s.waiters) >= rt.cfg.QueueLen || s.queued[owner] >= max(1, (rt.cfg.QueueLen+1)/2) {
		rt.mu.Unlock()
		return ErrBusy
	}
	w := &waiter{app: app, owner: owner, ready: make(chan struct{})}
	s.waiters = append(s.waiters, w)
	s.queued[owner]++
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
		if s.remove(w) {
			return canceled(ctx)
		}
		// granted meanwhile: give it back
		if !rt.closed {
			rt.release(app, owner)
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

// canRun reports whether a call of app may take a slot now; rt.mu must be held.
func (rt *Runtime) canRun(app string) bool {
	return rt.slots.running < rt.cfg.MaxConcurrent && rt.slots.perApp[app] < rt.cfg.MaxPerApp*rt.cfg.InstanceConcurrency
}

func (s *slots) take(app, owner string) {
	s.running++
	s.perApp[app]++
	s.perOwner[owner]++
	s.grants++
	s.served[owner] = s.grants
}

// remove drops w from the queue and reports whether it was still waiting.
func (s *slots) remove(w *waiter) bool {
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			s.unqueue(w.owner)
			return true
		}
	}
	return false
}

func (s *slots) unqueue(owner string) {
	if s.queued[owner]--; s.queued[owner] <= 0 {
		delete(s.queued, owner)
		if s.perOwner[owner] == 0 {
			delete(s.served, owner)
		}
	}
}

// release returns a slot and grants waiters; rt.mu must be held.
func (rt *Runtime) release(app, owner string) {
	s := &rt.slots
	s.running--
	if s.perApp[app]--; s.perApp[app] <= 0 {
		delete(s.perApp, app)
	}
	if s.perOwner[owner]--; s.perOwner[owner] <= 0 {
		delete(s.perOwner, owner)
		if s.queued[owner] == 0 {
			delete(s.served, owner) // inactive: forget it
		}
	}
	for {
		// the runnable waiter whose owner runs the fewest calls, then was served longest ago,
		// then the oldest
		best := -1
		for i, w := range s.waiters {
			if !rt.canRun(w.app) {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			b := s.waiters[best]
			if r, rb := s.perOwner[w.owner], s.perOwner[b.owner]; r < rb || (r == rb && s.served[w.owner] < s.served[b.owner]) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		w := s.waiters[best]
		s.waiters = append(s.waiters[:best], s.waiters[best+1:]...)
		s.unqueue(w.owner)
		s.take(w.app, w.owner)
		close(w.ready)
	}
}

// closeSlots wakes every waiter at Close; rt.mu must be held.
func (rt *Runtime) closeSlots() {
	for _, w := range rt.slots.waiters {
		close(w.ready)
	}
	rt.slots.waiters = nil
	clear(rt.slots.queued)
	clear(rt.slots.served)
}
