package router_test

import (
	"context"
	"errors"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
)

// TestUnavailableGate: while the router is told the node is not ready, remote calls outside
// wamp.* answer mamoc.error.unavailable with the reason; meta procedures still work; once
// ready, calls reach their procedures (or no_such_procedure); the counters see the calls.
func TestUnavailableGate(t *testing.T) {
	tr := startRouter(t, router.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	phone := mustConnect(ctx, t, tr.wsURL, serialize.JSON, anonymous)
	tr.SetUnavailable("building the base image")

	uri := func(err error) string {
		var re nxclient.RPCError
		if errors.As(err, &re) {
			return string(re.Err.Error)
		}
		if err != nil {
			return err.Error()
		}
		return "ok"
	}
	tests := []struct {
		proc string
		args wamp.List
		want string
	}{
		{"mamoc.task.list", nil, api.ErrUnavailable},
		{"uk.ac.standrews.cs.mamoc_demo.NQueens.Queens", wamp.List{nil, wamp.List{8}}, api.ErrUnavailable},
		{"wamp.session.count", nil, "ok"},
		{"wamp.registration.match", wamp.List{"x"}, "ok"},
	}
	for _, tc := range tests {
		_, err := phone.Call(ctx, tc.proc, nil, tc.args, nil, nil)
		if got := uri(err); got != tc.want {
			t.Errorf("call %s while not ready = %s, want %s", tc.proc, got, tc.want)
		}
	}
	_, err := phone.Call(ctx, "mamoc.task.list", nil, nil, nil, nil)
	var re nxclient.RPCError
	if !errors.As(err, &re) || re.Err.ArgumentsKw["reason"] != "building the base image" {
		t.Errorf("unavailable error = %v, want kwargs reason", err)
	}

	tr.SetUnavailable("")
	if got := uri(func() error { _, err := phone.Call(ctx, "mamoc.task.list", nil, nil, nil, nil); return err }()); got != string(wamp.ErrNoSuchProcedure) {
		t.Errorf("call when ready = %s, want %s", got, wamp.ErrNoSuchProcedure)
	}
	if st := tr.Stats(ctx); st.Messages["call"] < 6 || st.Sessions < 2 {
		t.Errorf("Stats = %+v, want at least 6 calls and 2 sessions", st)
	}
}
