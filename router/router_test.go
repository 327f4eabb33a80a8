package router_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
	"github.com/gammazero/nexus/v3/wamp/crsign"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Test users, one per role.
var testUsers = []router.User{
	{AuthID: "edge1", Role: router.RoleEdge, Ticket: "edge-ticket"},
	{AuthID: "admin1", Role: router.RoleAdmin, Secret: "admin-secret"},
	{AuthID: "phone1", Role: router.RolePhone, Ticket: "phone-ticket"},
}

// testRouter is a router listening on 127.0.0.1 with WebSocket (/ws) and RawSocket.
type testRouter struct {
	*router.Router
	wsURL string // ws://127.0.0.1:port/ws
	rsURL string // tcp://127.0.0.1:port
}

func startRouter(t *testing.T, cfg router.Config) *testRouter {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = testUsers
	}
	cfg.Logger = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r, err := router.New(cfg)
	if err != nil {
		t.Fatalf("router.New: %v", err)
	}
	wsl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rsl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", r.Handler())
	mux.Handle("/ws/", r.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{}, 2)
	go func() { _ = hs.Serve(wsl); done <- struct{}{} }()
	go func() { _ = r.ServeRawSocket(rsl); done <- struct{}{} }()
	t.Cleanup(func() {
		_ = hs.Close()
		_ = r.Close()
		<-done
		<-done
	})
	return &testRouter{Router: r, wsURL: "ws://" + wsl.Addr().String() + "/ws", rsURL: "tcp://" + rsl.Addr().String()}
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// cred says how a test client authenticates: anonymous, ticket or wampcra.
type cred struct {
	authid, method, secret string
}

var (
	anonymous = cred{}
	phoneCred = cred{"phone1", "ticket", "phone-ticket"}
	edgeCred  = cred{"edge1", "ticket", "edge-ticket"}
	adminCred = cred{"admin1", "wampcra", "admin-secret"}
)

func connect(ctx context.Context, t *testing.T, url string, ser serialize.Serialization, c cred) (*nxclient.Client, error) {
	t.Helper()
	cfg := nxclient.Config{Realm: "mamoc_realm", Serialization: ser, ResponseTimeout: 5 * time.Second,
		Logger: stdLog{t}}
	if c.method != "" {
		cfg.HelloDetails = wamp.Dict{"authid": c.authid}
		secret := c.secret
		switch c.method {
		case "ticket":
			cfg.AuthHandlers = map[string]nxclient.AuthFunc{"ticket": func(*wamp.Challenge) (string, wamp.Dict) { return secret, wamp.Dict{} }}
		case "wampcra":
			cfg.AuthHandlers = map[string]nxclient.AuthFunc{"wampcra": func(ch *wamp.Challenge) (string, wamp.Dict) {
				s, _ := wamp.AsString(ch.Extra["challenge"])
				return crsign.SignChallenge(s, []byte(secret)), wamp.Dict{}
			}}
		}
	}
	cl, err := nxclient.ConnectNet(ctx, url, cfg)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl, nil
}

func mustConnect(ctx context.Context, t *testing.T, url string, ser serialize.Serialization, c cred) *nxclient.Client {
	t.Helper()
	cl, err := connect(ctx, t, url, ser, c)
	if err != nil {
		t.Fatalf("connect %s as %q: %v", url, c.authid, err)
	}
	return cl
}

type stdLog struct{ t *testing.T }

func (l stdLog) Print(v ...any)                 { l.t.Log(v...) }
func (l stdLog) Println(v ...any)               { l.t.Log(v...) }
func (l stdLog) Printf(format string, v ...any) { l.t.Logf(format, v...) }

// exerciseClient registers, calls, subscribes and publishes with one client.
func exerciseClient(ctx context.Context, t *testing.T, cl *nxclient.Client, name string) {
	t.Helper()
	proc := "interop." + name + ".echo"
	err := cl.Register(proc, func(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
		return nxclient.InvokeResult{Args: append(wamp.List{"echo"}, inv.Arguments...)}
	}, nil)
	if err != nil {
		t.Fatalf("register %s: %v", proc, err)
	}
	res, err := cl.Call(ctx, proc, nil, wamp.List{"hi", 42, 2.5}, nil, nil)
	if err != nil {
		t.Fatalf("call %s: %v", proc, err)
	}
	if got := fmt.Sprint(res.Arguments); got != "[echo hi 42 2.5]" {
		t.Errorf("call %s = %s, want [echo hi 42 2.5]", proc, got)
	}
	events := make(chan *wamp.Event, 1)
	topic := "interop." + name + ".topic"
	if err := cl.SubscribeChan(topic, events, nil); err != nil {
		t.Fatalf("subscribe %s: %v", topic, err)
	}
	if err := cl.Publish(topic, wamp.Dict{wamp.OptAcknowledge: true, wamp.OptExcludeMe: false}, wamp.List{"ev", 7}, nil); err != nil {
		t.Fatalf("publish %s: %v", topic, err)
	}
	select {
	case ev := <-events:
		if got := fmt.Sprint(ev.Arguments); got != "[ev 7]" {
			t.Errorf("event on %s = %s, want [ev 7]", topic, got)
		}
	case <-ctx.Done():
		t.Fatalf("no event on %s", topic)
	}
}

func TestInteropNexusClients(t *testing.T) {
	tr := startRouter(t, router.Config{})
	tests := []struct {
		name string
		url  string
		ser  serialize.Serialization
	}{
		{"ws_json", tr.wsURL, serialize.JSON},
		{"ws_msgpack", tr.wsURL, serialize.MSGPACK},
		{"ws_cbor", tr.wsURL, serialize.CBOR},
		{"rawsocket_json", tr.rsURL, serialize.JSON},
		{"rawsocket_msgpack", tr.rsURL, serialize.MSGPACK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cl := mustConnect(ctx, t, tc.url, tc.ser, edgeCred)
			exerciseClient(ctx, t, cl, tc.name)
		})
	}
}

func TestCBORPreferred(t *testing.T) {
	tr := startRouter(t, router.Config{})
	tests := []struct {
		offer []string
		want  string
	}{
		{[]string{"wamp.2.cbor", "wamp.2.msgpack", "wamp.2.json"}, "wamp.2.cbor"},
		{[]string{"wamp.2.json", "wamp.2.cbor"}, "wamp.2.cbor"},
		{[]string{"wamp.2.json", "wamp.2.msgpack"}, "wamp.2.msgpack"},
		{[]string{"wamp.2.json"}, "wamp.2.json"},
	}
	for _, path := range []string{"/ws", "/ws/"} {
		for _, tc := range tests {
			d := websocket.Dialer{Subprotocols: tc.offer}
			url := strings.TrimSuffix(tr.wsURL, "/ws") + path
			conn, _, err := d.Dial(url, nil)
			if err != nil {
				t.Fatalf("dial %s offering %v: %v", url, tc.offer, err)
			}
			if got := conn.Subprotocol(); got != tc.want {
				t.Errorf("subprotocol for offer %v at %s = %q, want %q", tc.offer, path, got, tc.want)
			}
			_ = conn.Close()
		}
	}
}

func TestRegistrationMatchAnswersNull(t *testing.T) {
	tr := startRouter(t, router.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	phone := mustConnect(ctx, t, tr.wsURL, serialize.CBOR, anonymous)
	edge := mustConnect(ctx, t, tr.wsURL, serialize.CBOR, edgeCred)
	const fqcn = "uk.ac.standrews.cs.mamoc_demo.SearchText.KMP"

	res, err := phone.Call(ctx, "wamp.registration.match", nil, wamp.List{fqcn}, nil, nil)
	if err != nil {
		t.Fatalf("match unknown: %v", err)
	}
	if len(res.Arguments) != 1 || res.Arguments[0] != nil {
		t.Fatalf("match unknown = %v, want [null]", res.Arguments)
	}
	if err := edge.Register(fqcn, func(context.Context, *wamp.Invocation) nxclient.InvokeResult { return nxclient.InvokeResult{} }, nil); err != nil {
		t.Fatal(err)
	}
	res, err = phone.Call(ctx, "wamp.registration.match", nil, wamp.List{fqcn}, nil, nil)
	if err != nil {
		t.Fatalf("match known: %v", err)
	}
	if len(res.Arguments) != 1 {
		t.Fatalf("match known = %v, want one id", res.Arguments)
	}
	if id, ok := wamp.AsID(res.Arguments[0]); !ok || id == 0 {
		t.Fatalf("match known = %v, want a registration id", res.Arguments)
	}
}

const (
	allowed = "ok"
	denied  = "wamp.error.not_authorized"
)

// outcome performs one action and classifies the answer: allowed, denied, or another error.
func outcome(ctx context.Context, cl *nxclient.Client, action, uri string) string {
	var err error
	switch action {
	case "call":
		_, err = cl.Call(ctx, uri, nil, wamp.List{"x"}, nil, nil)
		if err != nil && strings.Contains(err.Error(), string(wamp.ErrNoSuchProcedure)) {
			return allowed // authorized, but nobody registered it
		}
		if err != nil && strings.Contains(err.Error(), "wamp.error.invalid_argument") {
			return allowed
		}
	case "register":
		err = cl.Register(uri, func(context.Context, *wamp.Invocation) nxclient.InvokeResult { return nxclient.InvokeResult{} }, nil)
		if err == nil {
			_ = cl.Unregister(uri)
		}
	case "publish":
		err = cl.Publish(uri, wamp.Dict{wamp.OptAcknowledge: true}, wamp.List{"x"}, nil)
	case "subscribe":
		err = cl.Subscribe(uri, func(*wamp.Event) {}, nil)
		if err == nil {
			_ = cl.Unsubscribe(uri)
		}
	}
	switch {
	case err == nil:
		return allowed
	case strings.Contains(err.Error(), denied):
		return denied
	default:
		return err.Error()
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	tr := startRouter(t, router.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const (
		task    = "uk.ac.standrews.cs.mamoc_demo.NQueens.Queens"
		mamocFn = "mamoc.task.list"
		adminFn = "mamoc.admin.shutdown"
		upload  = "mamoc.app.upload"
		kill    = "wamp.session.kill_all"
		metaM   = "wamp.registration.lookup"
		offl    = api.TopicOffloading
		result  = api.TopicOffloadingResult
		stats   = api.TopicStats
		recv    = api.TopicReceiveFile
		jobs    = "mamoc.job.progress"
	)
	type cell struct {
		action, uri string
		phone, edge string // admin: always allowed
	}
	cells := []cell{
		{"call", task, allowed, allowed},
		{"call", mamocFn, allowed, allowed},
		{"call", metaM, allowed, allowed},
		{"call", adminFn, denied, denied},
		{"call", upload, denied, allowed},
		{"call", "mamoc.node.b.app.upload", denied, allowed},
		{"call", "mamoc.node.b.admin.shutdown", denied, denied},
		{"call", kill, denied, denied},
		{"register", task, denied, allowed},
		{"register", mamocFn, denied, allowed},
		{"register", adminFn, denied, denied},
		{"register", "mamoc.node.b.task.run", denied, allowed},
		{"register", "mamoc.node.b.meta.registration_match", denied, denied},
		{"publish", offl, allowed, allowed},
		{"publish", recv, allowed, allowed},
		{"publish", result, denied, allowed},
		{"publish", stats, denied, allowed},
		{"publish", jobs, denied, allowed},
		{"publish", "some.other.topic", denied, allowed},
		{"subscribe", result, allowed, allowed},
		{"subscribe", stats, allowed, allowed},
		{"subscribe", jobs, allowed, allowed},
		{"subscribe", offl, denied, allowed},
		{"subscribe", recv, denied, allowed},
	}
	clients := []struct {
		name string
		cred cred
		ser  serialize.Serialization
	}{
		{"anonymous-phone", anonymous, serialize.CBOR},
		{"ticket-phone", phoneCred, serialize.JSON},
		{"edge", edgeCred, serialize.MSGPACK},
		{"admin", adminCred, serialize.CBOR},
	}
	for _, c := range clients {
		cl := mustConnect(ctx, t, tr.wsURL, c.ser, c.cred)
		for _, tc := range cells {
			want := allowed
			switch c.name {
			case "anonymous-phone", "ticket-phone":
				want = tc.phone
			case "edge":
				want = tc.edge
			}
			if tc.action == "call" && tc.uri == kill && want == allowed {
				continue // do not kill the test's sessions
			}
			if got := outcome(ctx, cl, tc.action, tc.uri); got != want {
				t.Errorf("%s %s %s = %s, want %s", c.name, tc.action, tc.uri, got, want)
			}
		}
	}
}

func TestAuthenticationRefused(t *testing.T) {
	tr := startRouter(t, router.Config{})
	closed := startRouter(t, router.Config{DisableAnonymous: true})
	tests := []struct {
		name string
		url  string
		cred cred
		ok   bool
	}{
		{"ticket right", tr.wsURL, edgeCred, true},
		{"ticket wrong", tr.wsURL, cred{"edge1", "ticket", "nope"}, false},
		{"ticket unknown user", tr.wsURL, cred{"mallory", "ticket", "edge-ticket"}, false},
		{"cra right", tr.wsURL, adminCred, true},
		{"cra wrong secret", tr.wsURL, cred{"admin1", "wampcra", "wrong"}, false},
		{"cra user without secret", tr.wsURL, cred{"edge1", "wampcra", "edge-ticket"}, false},
		{"anonymous allowed", tr.wsURL, anonymous, true},
		{"anonymous disabled", closed.wsURL, anonymous, false},
		{"ticket with anonymous disabled", closed.wsURL, phoneCred, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := connect(ctx, t, tc.url, serialize.JSON, tc.cred)
			if (err == nil) != tc.ok {
				t.Errorf("connect as %+v: err = %v, want success %v", tc.cred, err, tc.ok)
			}
		})
	}
}

func TestMessageSizeLimit(t *testing.T) {
	tr := startRouter(t, router.Config{MaxMessageSize: 64 << 10})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// WebSocket: the oversize message ends the sender's session.
	big := mustConnect(ctx, t, tr.wsURL, serialize.MSGPACK, edgeCred)
	other := mustConnect(ctx, t, tr.wsURL, serialize.MSGPACK, edgeCred)
	if err := big.Publish("size.test", wamp.Dict{wamp.OptAcknowledge: true}, wamp.List{strings.Repeat("x", 200<<10)}, nil); err == nil {
		t.Error("websocket publish of 200 KiB over a 64 KiB limit succeeded")
	}
	select {
	case <-big.Done():
	case <-time.After(5 * time.Second):
		t.Error("websocket oversize sender still connected")
	}

	// RawSocket: a frame announcing more than the limit closes the connection.
	conn, err := net.Dial("tcp", strings.TrimPrefix(tr.rsURL, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	// Handshake: magic 0x7F, max length 2^(9+15) and msgpack (2), reserved.
	if _, err := conn.Write([]byte{0x7F, 0xF2, 0, 0}); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 4)
	if _, err := io.ReadFull(conn, reply); err != nil || reply[0] != 0x7F {
		t.Fatalf("rawsocket handshake reply = %x, %v", reply, err)
	}
	if limit := 1 << (9 + reply[1]>>4); limit != 64<<10 {
		t.Errorf("rawsocket announced limit = %d, want %d", limit, 64<<10)
	}
	n := 200 << 10
	if _, err := conn.Write([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}); err != nil {
		t.Fatal(err)
	}
	_, _ = conn.Write(make([]byte, 1024))
	// The frame is not a CALL: the session is aborted, then the connection closed.
	if reply, err := readRawFrame(conn); err != nil || len(reply) == 0 || reply[0] != 0x93 {
		t.Errorf("answer to an oversize frame = %x, %v; want a msgpack ABORT", reply, err)
	}
	if _, err := readRawFrame(conn); err == nil {
		t.Error("rawsocket connection still open after an oversize frame")
	}

	// Others keep being served, and a message under the limit passes.
	exerciseClient(ctx, t, other, "size_ws")
	if err := other.Publish("size.test", wamp.Dict{wamp.OptAcknowledge: true}, wamp.List{strings.Repeat("x", 30<<10)}, nil); err != nil {
		t.Errorf("publish under the limit: %v", err)
	}
	rs := mustConnect(ctx, t, tr.rsURL, serialize.MSGPACK, edgeCred)
	exerciseClient(ctx, t, rs, "size_rs")
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  router.Config
	}{
		{"bad role", router.Config{Users: []router.User{{AuthID: "a", Role: "root", Ticket: "t"}}}},
		{"no secret", router.Config{Users: []router.User{{AuthID: "a", Role: "edge"}}}},
		{"duplicate", router.Config{Users: []router.User{{AuthID: "a", Role: "edge", Ticket: "t"}, {AuthID: "a", Role: "edge", Ticket: "u"}}}},
		{"no authid", router.Config{Users: []router.User{{Role: "edge", Ticket: "t"}}}},
	}
	for _, tc := range tests {
		if _, err := router.New(tc.cfg); err == nil {
			t.Errorf("New(%s) = nil error, want an error", tc.name)
		}
	}
}

func TestWebSocketPingAnswered(t *testing.T) {
	tr := startRouter(t, router.Config{})
	d := websocket.Dialer{Subprotocols: []string{"wamp.2.json"}}
	conn, _, err := d.Dial(tr.wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	pong := make(chan string, 1)
	conn.SetPongHandler(func(s string) error { pong <- s; return nil })
	if err := conn.WriteControl(websocket.PingMessage, []byte("mamoc-ping"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// Reading drives the pong handler; HELLO is never sent, so only control frames arrive.
	go func() { _, _, _ = conn.ReadMessage() }()
	select {
	case got := <-pong:
		if got != "mamoc-ping" {
			t.Errorf("pong payload = %q, want mamoc-ping", got)
		}
	case <-time.After(3 * time.Second):
		t.Error("no pong to a WebSocket ping")
	}
}
