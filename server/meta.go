package server

import (
	"sync"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"
)

// metaEvents shares one session's subscriptions to the router's meta events among several
// consumers (the stats publisher, the result listeners): a session holds one subscription per
// topic, so a second Subscribe of the same topic would replace the first handler.
type metaEvents struct {
	sess *nxclient.Client

	mu       sync.Mutex // guards handlers
	handlers map[string][]func(*wamp.Event)
}

func newMetaEvents(sess *nxclient.Client) *metaEvents {
	return &metaEvents{sess: sess, handlers: map[string][]func(*wamp.Event){}}
}

// subscribe adds h for topic, subscribing the session on the topic's first handler.
func (m *metaEvents) subscribe(topic wamp.URI, h func(*wamp.Event)) error {
	t := string(topic)
	m.mu.Lock()
	hs, subscribed := m.handlers[t]
	m.handlers[t] = append(hs, h)
	m.mu.Unlock()
	if subscribed {
		return nil
	}
	return m.sess.Subscribe(t, func(ev *wamp.Event) {
		m.mu.Lock()
		hs := m.handlers[t]
		m.mu.Unlock()
		for _, h := range hs {
			h(ev)
		}
	}, nil)
}
