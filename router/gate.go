package router

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// gate holds why the node is not ready ("" when ready) and counts the messages remote
// sessions send, by type.
type gate struct {
	reason atomic.Pointer[notReady] // nil or an empty reason: ready

	mu       sync.Mutex // guards messages
	messages map[string]uint64
}

// notReady is why the node is not ready, and since when.
type notReady struct {
	reason string
	since  time.Time
}

func newGate() *gate { return &gate{messages: map[string]uint64{}} }

// notReady returns the reason the node is not ready, "" when it is, and since when.
func (g *gate) notReady() (string, time.Time) {
	if p := g.reason.Load(); p != nil {
		return p.reason, p.since
	}
	return "", time.Time{}
}

// unready reports whether the node is not ready.
func (g *gate) unready() bool {
	reason, _ := g.notReady()
	return reason != ""
}

// count records one inbound message of msg's type.
func (g *gate) count(msg wamp.Message) {
	name := strings.ToLower(msg.MessageType().String())
	g.mu.Lock()
	g.messages[name]++
	g.mu.Unlock()
}

// SetUnavailable makes every CALL of a remote session outside wamp.* answer
// mamoc.error.unavailable with reason, instead of wamp.error.no_such_procedure, until it is
// called again with "". The server sets it while it starts (repository, base image, runtime).
func (r *Router) SetUnavailable(reason string) {
	r.gate.reason.Store(&notReady{reason: reason, since: time.Now()})
}

// Unavailable returns the reason set by SetUnavailable, "" when the node is ready.
func (r *Router) Unavailable() string {
	reason, _ := r.gate.notReady()
	return reason
}

// Stats are the router's live counts.
type Stats struct {
	// Sessions is the number of sessions on the realm, in-process ones included.
	Sessions int
	// Messages counts the messages remote sessions sent, by lowercase message type
	// ("call", "publish", "yield" …).
	Messages map[string]uint64
}

// Stats returns the router's session count and message counters.
func (r *Router) Stats(ctx context.Context) Stats {
	st := Stats{Messages: map[string]uint64{}}
	r.gate.mu.Lock()
	for k, v := range r.gate.messages {
		st.Messages[k] = v
	}
	r.gate.mu.Unlock()
	if res, err := r.match.Call(ctx, "wamp.session.count", nil, nil, nil, nil); err == nil && len(res.Arguments) > 0 {
		if n, ok := wamp.AsInt64(res.Arguments[0]); ok {
			st.Sessions = int(n)
		}
	}
	return st
}

// registerUnavailable offers api.ProcUnavailable on c.
func (r *Router) registerUnavailable(c *nxclient.Client) error {
	return c.Register(api.ProcUnavailable, func(context.Context, *wamp.Invocation) nxclient.InvokeResult {
		reason, since := r.gate.notReady()
		if reason == "" { // became ready while the call was on its way
			reason, since = "starting", time.Now()
		}
		took := time.Since(since)
		return nxclient.InvokeResult{Err: api.ErrUnavailable,
			Args:   wamp.List{fmt.Sprintf("mamoc is not ready yet: %s (%s so far); retry shortly", reason, took.Round(time.Second))},
			Kwargs: wamp.Dict{"reason": reason, "since_s": took.Seconds()}}
	}, nil)
}
