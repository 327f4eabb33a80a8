package server

import (
	"context"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"
)

// joinGrace is how long after a session joins its calls always get the result event: its
// subscription may still be on its way to us.
const joinGrace = 2 * time.Second

// listeners tracks, from the router's meta events, which sessions subscribe to a topic (MAMoC's
// result topic), so a direct task call publishes its result event only when the caller listens.
// Until tracking works, and for sessions that joined within joinGrace, everyone listens.
type listeners struct {
	topic wamp.URI
	grace time.Duration // joinGrace

	mu       sync.Mutex            // guards the fields below
	ok       bool                  // the meta events arrive
	subs     map[wamp.ID]bool      // subscription → whether it matches topic
	sessions map[wamp.ID]int       // session → matching subscriptions it holds
	joined   map[wamp.ID]time.Time // sessions that joined within joinGrace
}

func newListeners(topic wamp.URI) *listeners {
	return &listeners{topic: topic, grace: joinGrace, subs: map[wamp.ID]bool{}, sessions: map[wamp.ID]int{}, joined: map[wamp.ID]time.Time{}}
}

// start subscribes to the meta events, then reads the subscriptions that exist already.
func (l *listeners) start(ctx context.Context, sess *nxclient.Client, meta *metaEvents) error {
	handlers := map[wamp.URI]func(*wamp.Event){
		wamp.MetaEventSubOnCreate: func(ev *wamp.Event) {
			if len(ev.Arguments) < 2 {
				return
			}
			d, _ := wamp.AsDict(ev.Arguments[1])
			id, _ := wamp.AsID(d["id"])
			uri, _ := wamp.AsURI(d["uri"])
			match, _ := wamp.AsString(d["match"])
			l.mu.Lock()
			l.subs[id] = l.matches(uri, match)
			l.mu.Unlock()
		},
		wamp.MetaEventSubOnSubscribe:   func(ev *wamp.Event) { l.subscription(ev, 1) },
		wamp.MetaEventSubOnUnsubscribe: func(ev *wamp.Event) { l.subscription(ev, -1) },
		wamp.MetaEventSubOnDelete: func(ev *wamp.Event) {
			if len(ev.Arguments) < 2 {
				return
			}
			sub, _ := wamp.AsID(ev.Arguments[1])
			l.mu.Lock()
			delete(l.subs, sub)
			l.mu.Unlock()
		},
		wamp.MetaEventSessionOnJoin: func(ev *wamp.Event) {
			if len(ev.Arguments) == 0 {
				return
			}
			d, _ := wamp.AsDict(ev.Arguments[0])
			id, _ := wamp.AsID(d["session"])
			now := time.Now()
			l.mu.Lock()
			l.joined[id] = now
			for s, t := range l.joined {
				if now.Sub(t) > l.grace {
					delete(l.joined, s)
				}
			}
			l.mu.Unlock()
		},
		wamp.MetaEventSessionOnLeave: func(ev *wamp.Event) {
			if len(ev.Arguments) == 0 {
				return
			}
			id, _ := wamp.AsID(ev.Arguments[0])
			l.mu.Lock()
			delete(l.sessions, id)
			delete(l.joined, id)
			l.mu.Unlock()
		},
	}
	for topic, h := range handlers {
		if err := meta.subscribe(topic, h); err != nil {
			return err
		}
	}
	// the subscriptions made before ours
	res, err := sess.Call(ctx, string(wamp.MetaProcSubMatch), nil, wamp.List{l.topic}, nil, nil)
	if err != nil {
		return err
	}
	var ids wamp.List
	if len(res.Arguments) > 0 {
		ids, _ = wamp.AsList(res.Arguments[0])
	}
	for _, v := range ids {
		subID, _ := wamp.AsID(v)
		res, err := sess.Call(ctx, string(wamp.MetaProcSubListSubscribers), nil, wamp.List{subID}, nil, nil)
		if err != nil {
			return err
		}
		var sessions wamp.List
		if len(res.Arguments) > 0 {
			sessions, _ = wamp.AsList(res.Arguments[0])
		}
		l.mu.Lock()
		if _, seen := l.subs[subID]; !seen { // events meanwhile are newer
			l.subs[subID] = true
			for _, s := range sessions {
				id, _ := wamp.AsID(s)
				l.sessions[id]++
			}
		}
		l.mu.Unlock()
	}
	l.mu.Lock()
	l.ok = true
	l.mu.Unlock()
	return nil
}

// subscription applies on_subscribe (+1) or on_unsubscribe (-1): args [session, subscription].
func (l *listeners) subscription(ev *wamp.Event, delta int) {
	if len(ev.Arguments) < 2 {
		return
	}
	sess, _ := wamp.AsID(ev.Arguments[0])
	sub, _ := wamp.AsID(ev.Arguments[1])
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.subs[sub] {
		return
	}
	if l.sessions[sess] += delta; l.sessions[sess] <= 0 {
		delete(l.sessions, sess)
	}
}

// matches reports whether a subscription to uri with match policy receives l.topic.
func (l *listeners) matches(uri wamp.URI, match string) bool {
	switch match {
	case wamp.MatchPrefix:
		return l.topic.PrefixMatch(uri)
	case wamp.MatchWildcard:
		return l.topic.WildcardMatch(uri)
	}
	return l.topic == uri
}

// listening reports whether session may receive the topic; true unless known otherwise.
func (l *listeners) listening(session uint64) bool {
	if l == nil || session == 0 {
		return true
	}
	id := wamp.ID(session)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.ok || l.sessions[id] > 0 {
		return true
	}
	t, recent := l.joined[id]
	return recent && time.Since(t) <= l.grace
}
