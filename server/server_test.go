package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
	"go.uber.org/goleak"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server"
	"github.com/mamoc-go/mamoc/server/api"
)

func TestMain(m *testing.M) {
	runChildIfAsked()
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/mattn/go-sqlite3.unlock_notify_wait"))
}

var edgeUser = router.User{AuthID: "edge1", Role: router.RoleEdge, Ticket: "edge-ticket"}

// startServer runs a server on 127.0.0.1 ports chosen by the kernel until the test ends.
func startServer(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.RawSocketListen == "" {
		cfg.RawSocketListen = "127.0.0.1:0"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Router.Users == nil {
		cfg.Router.Users = []router.User{edgeUser}
	}
	r := launch(t, cfg, tWriter{t})
	select {
	case <-r.srv.Ready():
	case <-r.ended:
		t.Fatalf("Run = %v before ready", r.err)
	case <-time.After(2 * time.Minute):
		t.Fatal("server not ready within 2 minutes")
	}
	return r.srv
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func wsURL(s *server.Server) string { return "ws://" + s.Addr().String() + "/ws" }

func dial(ctx context.Context, t *testing.T, url string, ser serialize.Serialization, authid, ticket string) *nxclient.Client {
	t.Helper()
	cfg := nxclient.Config{Realm: "mamoc_realm", Serialization: ser, ResponseTimeout: 5 * time.Second, Logger: nopLog{}}
	if authid != "" {
		cfg.HelloDetails = wamp.Dict{"authid": authid}
		cfg.AuthHandlers = map[string]nxclient.AuthFunc{"ticket": func(*wamp.Challenge) (string, wamp.Dict) { return ticket, wamp.Dict{} }}
	}
	// The server manager joins asynchronously in Run; retry until it answers.
	cl, err := nxclient.ConnectNet(ctx, url, cfg)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

type nopLog struct{}

func (nopLog) Print(...any)          {}
func (nopLog) Println(...any)        {}
func (nopLog) Printf(string, ...any) {}

// waitProc waits until proc is registered on the router cl is connected to.
func waitProc(ctx context.Context, t *testing.T, cl *nxclient.Client, proc string) {
	t.Helper()
	for {
		res, err := cl.Call(ctx, "wamp.registration.match", nil, wamp.List{proc}, nil, nil)
		if err == nil && len(res.Arguments) == 1 && res.Arguments[0] != nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never registered", proc)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkStats asserts MAMoC's positional shape and the live kwargs.
func checkStats(t *testing.T, args wamp.List, kw wamp.Dict) {
	t.Helper()
	if len(args) != 3 {
		t.Fatalf("stats args = %v, want [cpu, mem, battery]", args)
	}
	if cpu, ok := wamp.AsFloat64(args[0]); !ok || cpu <= 0 {
		t.Errorf("stats cpu = %v, want MHz × cores > 0", args[0])
	}
	if mem, ok := wamp.AsInt64(args[1]); !ok || mem <= 0 {
		t.Errorf("stats mem = %v, want total MB > 0", args[1])
	}
	if b, ok := wamp.AsInt64(args[2]); !ok || b < -1 || b > 100 {
		t.Errorf("stats battery = %v, want -1 or 0..100", args[2])
	}
	if cores, _ := wamp.AsInt64(kw["cores"]); cores != int64(runtime.NumCPU()) {
		t.Errorf("stats cores = %v, want %d", kw["cores"], runtime.NumCPU())
	}
	for _, k := range []string{"cpu_percent", "load1", "load5", "load15", "mem_free_mb", "battery_percent", "charging",
		"server_id", "version", "queue_length", "running_instances", "warm_instances", "uptime_s"} {
		if _, ok := kw[k]; !ok {
			t.Errorf("stats kwargs lack %q: %v", k, kw)
		}
	}
	if id, _ := wamp.AsString(kw["server_id"]); id != "node-a" {
		t.Errorf("stats server_id = %q, want node-a", id)
	}
}

func TestStatsEventWithinOnePeriod(t *testing.T) {
	srv := startServer(t, server.Config{StatsInterval: 300 * time.Millisecond, ServerID: "node-a"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	phone := dial(ctx, t, wsURL(srv), serialize.CBOR, "", "")
	events := make(chan *wamp.Event, 4)
	if err := phone.SubscribeChan(api.TopicStats, events, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		checkStats(t, ev.Arguments, ev.ArgumentsKw)
	case <-time.After(2 * 300 * time.Millisecond * 3):
		t.Fatal("no stats event within the period")
	}
}

func TestStatsRetainedForLateSubscriber(t *testing.T) {
	// With an hour's period, only the retained event can reach the late subscriber.
	srv := startServer(t, server.Config{StatsInterval: time.Hour, ServerID: "node-a"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	phone := dial(ctx, t, wsURL(srv), serialize.JSON, "", "")
	waitProc(ctx, t, phone, api.ProcStatsGet)
	res, err := phone.Call(ctx, api.ProcStatsGet, nil, nil, nil, nil)
	if err != nil {
		t.Fatalf("call %s: %v", api.ProcStatsGet, err)
	}
	checkStats(t, res.Arguments, res.ArgumentsKw)

	late := dial(ctx, t, wsURL(srv), serialize.MSGPACK, "", "")
	events := make(chan *wamp.Event, 4)
	if err := late.SubscribeChan(api.TopicStats, events, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		checkStats(t, ev.Arguments, ev.ArgumentsKw)
	case <-time.After(3 * time.Second):
		t.Fatal("late subscriber got no retained stats event")
	}
	// Another subscriber joining later gets its own copy; the first gets no duplicate.
	later := dial(ctx, t, wsURL(srv), serialize.CBOR, "", "")
	events2 := make(chan *wamp.Event, 4)
	if err := later.SubscribeChan(api.TopicStats, events2, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-events2:
	case <-time.After(3 * time.Second):
		t.Fatal("second late subscriber got no retained stats event")
	}
	select {
	case <-events:
		t.Error("first subscriber got the second subscriber's retained event")
	case <-time.After(300 * time.Millisecond):
	}
}

func TestStatsCPURisesUnderLoad(t *testing.T) {
	srv := startServer(t, server.Config{StatsInterval: 500 * time.Millisecond, ServerID: "node-a"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	phone := dial(ctx, t, wsURL(srv), serialize.CBOR, "", "")
	events := make(chan *wamp.Event, 64)
	if err := phone.SubscribeChan(api.TopicStats, events, nil); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	burnDone := make(chan struct{})
	n := runtime.NumCPU()
	for i := 0; i < n; i++ {
		go func() {
			x := 0
			for !stop.Load() {
				x++
			}
			_ = x
			burnDone <- struct{}{}
		}()
	}
	defer func() {
		stop.Store(true)
		for i := 0; i < n; i++ {
			<-burnDone
		}
	}()
	// Skip the first event (its interval may predate the burn) and read the next ones.
	var best float64
	for i := 0; i < 4; i++ {
		select {
		case ev := <-events:
			if i == 0 {
				continue
			}
			if p, _ := wamp.AsFloat64(ev.ArgumentsKw["cpu_percent"]); p > best {
				best = p
			}
		case <-ctx.Done():
			t.Fatal("no stats events")
		}
	}
	if best < 60 {
		t.Errorf("cpu_percent while burning every core = %.1f, want >= 60", best)
	}
}

func TestJoinRemoteRouter(t *testing.T) {
	hub := startServer(t, server.Config{RouterOnly: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = startServer(t, server.Config{Join: wsURL(hub), JoinAuthID: "edge1", JoinTicket: "edge-ticket",
		ServerID: "node-a", StatsInterval: time.Hour})
	phone := dial(ctx, t, wsURL(hub), serialize.CBOR, "", "")
	waitProc(ctx, t, phone, api.ProcStatsGet)
	res, err := phone.Call(ctx, api.ProcStatsGet, nil, nil, nil, nil)
	if err != nil {
		t.Fatalf("call %s through the hub: %v", api.ProcStatsGet, err)
	}
	checkStats(t, res.Arguments, res.ArgumentsKw)
}

func TestJoinAnonymousCannotRegister(t *testing.T) {
	hub := startServer(t, server.Config{RouterOnly: true})
	srv, err := server.New(server.Config{Join: wsURL(hub), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Run(ctx)
	if err == nil || errors.Is(err, server.ErrServerClosed) || !strings.Contains(err.Error(), "not_authorized") {
		t.Errorf("Run joining anonymously = %v, want a not_authorized error", err)
	}
	_ = srv.Close()
}

func TestLoadConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mamoc.json")
	if err := os.WriteFile(file, []byte(`{"data_dir":"from-file","listen":":1","server_id":"file-id","shutdown_timeout":"1m30s",
		"task_timeout":"45s",
		"router":{"users":[{"authid":"e","role":"edge","ticket":"t"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MAMOC_CONFIG": file, "MAMOC_LISTEN": ":2", "MAMOC_SERVER_ID": "env-id", "MAMOC_DISABLE_ANONYMOUS": "true"}
	cfg, err := server.LoadConfig([]string{"--server-id", "flag-id", "--stats-interval", "7s"}, func(k string) string { return env[k] }, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"data_dir (file)", cfg.DataDir, "from-file"},
		{"listen (env over file)", cfg.Listen, ":2"},
		{"server_id (flag over env)", cfg.ServerID, "flag-id"},
		{"stats_interval (flag)", cfg.StatsInterval.String(), "7s"},
		{"users (file)", cfg.Router.Users[0].AuthID, "e"},
		{"shutdown_timeout (file, Go duration)", cfg.ShutdownTimeout.String(), "1m30s"},
		{"task_timeout (file, Go duration)", cfg.Runtime.Limits.WallTime.String(), "45s"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("LoadConfig %s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if !cfg.Router.DisableAnonymous {
		t.Error("LoadConfig disable_anonymous (env) = false, want true")
	}
	if _, err := server.LoadConfig([]string{"--no-such-flag"}, func(string) string { return "" }, &strings.Builder{}); err == nil {
		t.Error("LoadConfig(--no-such-flag) = nil error")
	}
}

// TestSiteRecorded checks that the node keeps its last stats in the repository's sites.
func TestSiteRecorded(t *testing.T) {
	data := t.TempDir()
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", RawSocketListen: "off", DataDir: data, ServerID: "node-a",
		StatsInterval: 200 * time.Millisecond, GCInterval: 100 * time.Millisecond, SiteKind: "cloud"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	<-srv.Ready()
	time.Sleep(700 * time.Millisecond) // a few stats periods and GC rounds
	cancel()
	if err := <-done; !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("Run = %v", err)
	}
	repo, err := repository.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = repo.Close() }()
	sites, err := repo.ListSites(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 1 || sites[0].ID != "node-a" || sites[0].Kind != repository.SiteCloud {
		t.Fatalf("sites = %+v, want node-a (cloud)", sites)
	}
	var st map[string]any
	if err := json.Unmarshal(sites[0].LastStats, &st); err != nil || st["server_id"] != "node-a" || st["cores"] == nil {
		t.Errorf("site last stats = %s (%v), want the stats kwargs", sites[0].LastStats, err)
	}
	if !strings.HasPrefix(sites[0].Address, "ws://127.0.0.1:") {
		t.Errorf("site address = %q, want the ws URL", sites[0].Address)
	}
}
