package server

import (
	"context"
	"errors"
	"fmt"
	"sync"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Why a call's context ends early.
var (
	// errCallerLeft: the caller's session left (GOODBYE or a lost transport).
	errCallerLeft = fmt.Errorf("%w: the caller left", unikernel.ErrCanceled)
	// errShutdown: the server stopped and the shutdown timeout ran out.
	errShutdown = fmt.Errorf("%w: the server is shutting down", unikernel.ErrCanceled)
	// errStopping refuses new calls once the server drains.
	errStopping = fmt.Errorf("%w: the server is shutting down", unikernel.ErrBusy)
)

// calls tracks every call of a task, in every shape (mamoc.task.run, a task's own procedure,
// an app's procedure, MAMoC's offloading event), by caller session: a session that leaves has
// its running and queued calls cancelled, and shutdown waits for all of them, then cancels.
type calls struct {
	stop context.Context // the server's work context: its end cancels every call

	mu        sync.Mutex                    // guards bySession, running and stopping
	bySession map[uint64]map[*call]struct{} // running and queued calls
	running   int                           // calls begun and not ended
	stopping  bool                          // no new calls
	wg        sync.WaitGroup                // calls in flight; Add only under mu while !stopping
}

type call struct{ cancel context.CancelCauseFunc }

func newCalls(stop context.Context) *calls {
	return &calls{stop: stop, bySession: map[uint64]map[*call]struct{}{}}
}

// begin starts tracking a call of session and returns its context, which ends when ctx
// does, when the session leaves and when shutdown gives up waiting; end must be called.
// Once the server drains, begin refuses with errStopping.
func (cs *calls) begin(ctx context.Context, session uint64) (context.Context, func(), error) {
	cs.mu.Lock()
	if cs.stopping {
		cs.mu.Unlock()
		return nil, nil, errStopping
	}
	cctx, cancel := context.WithCancelCause(ctx)
	c := &call{cancel: cancel}
	if cs.bySession[session] == nil {
		cs.bySession[session] = map[*call]struct{}{}
	}
	cs.bySession[session][c] = struct{}{}
	cs.running++
	cs.wg.Add(1)
	cs.mu.Unlock()
	stopAfter := context.AfterFunc(cs.stop, func() { cancel(errShutdown) })
	end := func() {
		stopAfter()
		cancel(nil)
		cs.mu.Lock()
		delete(cs.bySession[session], c)
		if len(cs.bySession[session]) == 0 {
			delete(cs.bySession, session)
		}
		cs.running--
		cs.mu.Unlock()
		cs.wg.Done()
	}
	return cctx, end, nil
}

// leave cancels every call of session, which left. It returns how many.
func (cs *calls) leave(session uint64) int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	n := 0
	for c := range cs.bySession[session] {
		c.cancel(errCallerLeft)
		n++
	}
	return n
}

// drain refuses new calls and waits for the running ones. It reports whether any call was
// running when it began.
func (cs *calls) drain() bool {
	cs.mu.Lock()
	cs.stopping = true
	had := cs.running > 0
	cs.mu.Unlock()
	cs.wg.Wait()
	return had
}

// cancelCause returns why ctx ended early as an error the catalogue maps to WAMP
// (wamp.error.canceled), or err when ctx did not end.
func cancelCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && errors.Is(err, context.Canceled) {
		return cause
	}
	return err
}
