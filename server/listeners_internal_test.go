package server

import (
	"context"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
)

// TestListeners follows real sessions' subscriptions to the result topic through a real router.
func TestListeners(t *testing.T) {
	r, err := router.New(router.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Nexus().Close() })
	connect := func() *nxclient.Client {
		c, err := r.ConnectLocal(nxclient.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	sessionOf := func(c *nxclient.Client) uint64 { return uint64(c.ID()) }
	nop := func(*wamp.Event) {}
	early := connect() // subscribed before tracking starts
	if err := early.Subscribe(api.TopicOffloadingResult, nop, nil); err != nil {
		t.Fatal(err)
	}
	l := newListeners(api.TopicOffloadingResult)
	l.grace = 0
	tracker := connect()
	if err := l.start(context.Background(), tracker, newMetaEvents(tracker)); err != nil {
		t.Fatal(err)
	}
	exact, prefix, left, never := connect(), connect(), connect(), connect()
	if err := exact.Subscribe(api.TopicOffloadingResult, nop, nil); err != nil {
		t.Fatal(err)
	}
	if err := prefix.Subscribe("uk.ac.standrews.cs.mamoc.", nop, wamp.Dict{wamp.OptMatch: wamp.MatchPrefix}); err != nil {
		t.Fatal(err)
	}
	if err := left.Subscribe(api.TopicOffloadingResult, nop, nil); err != nil {
		t.Fatal(err)
	}
	eventually := func(name string, c *nxclient.Client, want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for l.listening(sessionOf(c)) != want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := l.listening(sessionOf(c)); got != want {
			t.Errorf("listening(%s) = %v, want %v", name, got, want)
		}
	}
	eventually("left, subscribed", left, true)
	if err := left.Unsubscribe(api.TopicOffloadingResult); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		c    *nxclient.Client
		want bool
	}{
		{"subscribed before tracking", early, true},
		{"exact", exact, true},
		{"prefix", prefix, true},
		{"unsubscribed", left, false},
		{"never subscribed", never, false},
	} {
		eventually(tc.name, tc.c, tc.want)
	}
}
