package server_test

import (
	"context"
	"log/slog"
	"sort"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server"
)

// BenchmarkNoopRPC measures a no-op RPC round trip through mamoc-server over WebSocket+CBOR
// beside the same call over nexus's in-process client, in one run. It reports p50 and p99.
func BenchmarkNoopRPC(b *testing.B) {
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", RawSocketListen: "off", DataDir: b.TempDir(),
		StatsInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-srv.Ready() // remote calls answer mamoc.error.unavailable before

	callee, err := srv.Router().ConnectLocal(nxclient.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = callee.Close() }()
	if err := callee.Register("bench.noop", func(context.Context, *wamp.Invocation) nxclient.InvokeResult {
		return nxclient.InvokeResult{Args: wamp.List{}}
	}, nil); err != nil {
		b.Fatal(err)
	}
	local, err := srv.Router().ConnectLocal(nxclient.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = local.Close() }()
	ws, err := nxclient.ConnectNet(ctx, "ws://"+srv.Addr().String()+"/ws",
		nxclient.Config{Realm: "mamoc_realm", Serialization: serialize.CBOR, Logger: nopLog{}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = ws.Close() }()

	for _, tc := range []struct {
		name string
		cl   *nxclient.Client
	}{{"inprocess", local}, {"ws_cbor", ws}} {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			cctx := context.Background()
			for b.Loop() {
				t0 := time.Now()
				if _, err := tc.cl.Call(cctx, "bench.noop", nil, wamp.List{"x"}, nil, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			reportPercentiles(b, lat)
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sortDurations(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e3, "p99-µs")
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }
