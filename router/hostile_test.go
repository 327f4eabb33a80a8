package router_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gorilla/websocket"

	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
)

// readRawFrame reads one RawSocket frame's payload.
func readRawFrame(conn net.Conn) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(conn, h[:]); err != nil {
		return nil, err
	}
	b := make([]byte, int(h[1])<<16|int(h[2])<<8|int(h[3]))
	_, err := io.ReadFull(conn, b)
	return b, err
}

// jsonWire is a hostile client speaking WAMP JSON over a WebSocket or a RawSocket
// connection, sending whatever bytes the test wants.
type jsonWire interface {
	send(t *testing.T, frame string)
	// recv returns the next message decoded as a JSON list, or an error once closed.
	recv() ([]any, error)
	close()
}

type wsWire struct{ c *websocket.Conn }

func (w wsWire) send(t *testing.T, f string) {
	if err := w.c.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
		t.Logf("ws write: %v", err)
	}
}

func (w wsWire) recv() ([]any, error) {
	_, b, err := w.c.ReadMessage()
	if err != nil {
		return nil, err
	}
	var v []any
	return v, json.Unmarshal(b, &v)
}

func (w wsWire) close() { _ = w.c.Close() }

type rsWire struct{ c net.Conn }

func (w rsWire) send(t *testing.T, f string) {
	n := len(f)
	if _, err := w.c.Write(append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, f...)); err != nil {
		t.Logf("rawsocket write: %v", err)
	}
}

func (w rsWire) recv() ([]any, error) {
	b, err := readRawFrame(w.c)
	if err != nil {
		return nil, err
	}
	var v []any
	return v, json.Unmarshal(b, &v)
}

func (w rsWire) close() { _ = w.c.Close() }

// joinJSON opens an anonymous JSON session over transport "ws" or "rs".
func joinJSON(t *testing.T, tr *testRouter, transport string) jsonWire {
	t.Helper()
	var w jsonWire
	switch transport {
	case "ws":
		d := websocket.Dialer{Subprotocols: []string{"wamp.2.json"}, HandshakeTimeout: 5 * time.Second}
		c, _, err := d.Dial(tr.wsURL, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", tr.wsURL, err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		w = wsWire{c}
	case "rs":
		c, err := net.Dial("tcp", strings.TrimPrefix(tr.rsURL, "tcp://"))
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte{0x7F, 0xF1, 0, 0}); err != nil {
			t.Fatal(err)
		}
		var hs [4]byte
		if _, err := io.ReadFull(c, hs[:]); err != nil || hs[0] != 0x7F || hs[1]&0x0F != 1 {
			t.Fatalf("rawsocket handshake = %x, %v", hs, err)
		}
		w = rsWire{c}
	}
	t.Cleanup(w.close)
	w.send(t, `[1,"mamoc_realm",{"roles":{"caller":{},"callee":{},"publisher":{},"subscriber":{}}}]`)
	if m, err := w.recv(); err != nil || len(m) == 0 || m[0] != float64(2) {
		t.Fatalf("HELLO answered with %v, %v; want WELCOME", m, err)
	}
	return w
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// TestMalformedFramesAnswered sends what a hostile or broken client might after WELCOME:
// each gets the answer the WAMP spec asks for instead of silence: ERROR for a bad CALL (the
// session goes on), ABORT wamp.error.protocol_violation for a broken session (then the
// connection closes).
func TestMalformedFramesAnswered(t *testing.T) {
	tr := startRouter(t, router.Config{MaxMessageSize: 64 << 10})
	const (
		errorReply = "ERROR"
		abortReply = "ABORT"
	)
	tests := []struct {
		name  string
		frame string
		want  string // errorReply or abortReply
		uri   string
		text  string // in the answer's message
	}{
		{"garbage", "\x00\x01 not json at all {{{", abortReply, "wamp.error.protocol_violation", "cannot decode"},
		{"empty list", "[]", abortReply, "wamp.error.protocol_violation", "cannot decode"},
		{"call with string request id", `[48,"seven",{},"mamoc.test.proc",[]]`, abortReply, "wamp.error.protocol_violation", "request id"},
		{"call with request id 0", `[48,0,{},"mamoc.test.proc",[]]`, abortReply, "wamp.error.protocol_violation", "request id"},
		{"subscribe with negative request id", `[32,-4,{},"mamoc.test.topic"]`, abortReply, "wamp.error.protocol_violation", "request id"},
		{"yield for unknown invocation", `[70,12345,{},["stolen result"]]`, abortReply, "wamp.error.protocol_violation", "unknown invocation 12345"},
		{"invocation error for unknown invocation", `[8,68,777,{},"wamp.error.canceled"]`, abortReply, "wamp.error.protocol_violation", "unknown invocation 777"},
		{"call with procedure 5", `[48,7,{},5,[]]`, errorReply, "wamp.error.invalid_uri", "non-empty URI string"},
		{"call with options a list", `[48,7,[1],"mamoc.test.proc",[]]`, errorReply, "wamp.error.invalid_argument", "malformed CALL"},
		{"call nested 2000 deep", `[48,7,{},"mamoc.test.proc",` + nested(2000) + `]`, errorReply, "wamp.error.invalid_argument", "deeper than 64 levels"},
		{"call nested 100 deep", `[48,7,{},"mamoc.test.proc",` + nested(100) + `]`, errorReply, "wamp.error.invalid_argument", "deeper than 64 levels"},
		{"call kwargs nested 100 deep", `[48,7,{},"mamoc.test.proc",[],{"a":` + nested(100) + `}]`, errorReply, "wamp.error.invalid_argument", "deeper than 64 levels"},
		{"oversized call", `[48,7,{},"mamoc.test.proc",["` + strings.Repeat("x", 100<<10) + `"]]`, errorReply, router.ErrURIPayloadSizeExceeded, "exceeds the limit of 65536 bytes"},
		{"oversized publish", `[16,7,{},"mamoc.test.topic",["` + strings.Repeat("x", 100<<10) + `"]]`, abortReply, "wamp.error.protocol_violation", "exceeds the limit of 65536 bytes"},
	}
	for _, transport := range []string{"ws", "rs"} {
		for _, tc := range tests {
			t.Run(transport+"/"+tc.name, func(t *testing.T) {
				w := joinJSON(t, tr, transport)
				w.send(t, tc.frame)
				m, err := w.recv()
				if err != nil {
					t.Fatalf("no answer: %v", err)
				}
				var got, uri, text string
				switch {
				case len(m) >= 5 && m[0] == float64(8):
					got, uri, text = errorReply, fmt.Sprint(m[4]), fmt.Sprint(m[5:])
					if m[1] != float64(48) || m[2] != float64(7) {
						t.Errorf("ERROR answers type %v request %v, want CALL request 7", m[1], m[2])
					}
				case len(m) >= 3 && m[0] == float64(3):
					got, uri, text = abortReply, fmt.Sprint(m[2]), fmt.Sprint(m[1])
				default:
					t.Fatalf("answer = %.200v, want %s", m, tc.want)
				}
				if got != tc.want || uri != tc.uri || !strings.Contains(text, tc.text) {
					t.Errorf("answer = %s %s %q, want %s %s containing %q", got, uri, text, tc.want, tc.uri, tc.text)
				}
				if tc.want == abortReply {
					if m, err := w.recv(); err == nil {
						t.Errorf("after ABORT the connection is still open; next message %v", m)
					}
					return
				}
				// After an ERROR the session goes on.
				w.send(t, `[48,8,{},"wamp.registration.match",["nothing.here"]]`)
				if m, err := w.recv(); err != nil || len(m) < 2 || m[0] != float64(50) || m[1] != float64(8) {
					t.Errorf("call after the ERROR = %v, %v; want RESULT for request 8", m, err)
				}
			})
		}
	}
}

// TestIdleRawSocketClosed: a RawSocket connection that never finishes its handshake is closed
// after handshake_timeout, and one that handshakes but never says HELLO after the router's
// 5 s HELLO wait, as on WebSocket.
func TestIdleRawSocketClosed(t *testing.T) {
	tr := startRouter(t, router.Config{HandshakeTimeout: 300 * time.Millisecond})
	addr := strings.TrimPrefix(tr.rsURL, "tcp://")
	tests := []struct {
		name  string
		send  []byte
		reply int // handshake bytes expected before the close
		wait  time.Duration
	}{
		{"silent", nil, 0, 3 * time.Second},
		{"half a handshake", []byte{0x7F, 0xF1}, 0, 3 * time.Second},
		{"handshake, no HELLO", []byte{0x7F, 0xF1, 0, 0}, 4, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			if len(tc.send) > 0 {
				if _, err := c.Write(tc.send); err != nil {
					t.Fatal(err)
				}
			}
			_ = c.SetReadDeadline(time.Now().Add(tc.wait))
			got, err := io.ReadAll(c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open after %s", tc.wait)
			}
			if len(got) != tc.reply {
				t.Errorf("read %x before close, want %d handshake bytes", got, tc.reply)
			}
		})
	}
	// The router still serves.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exerciseClient(ctx, t, mustConnect(ctx, t, tr.rsURL, serialize.MSGPACK, edgeCred), "idle_after")
}

// TestConnectionLimits: one remote address holds at most max_connections_per_addr
// connections on a listener and the listener at most max_connections; more are closed at
// once, and a closed connection frees its place.
func TestConnectionLimits(t *testing.T) {
	tr := startRouter(t, router.Config{MaxConnections: 5, MaxConnectionsPerAddr: 3, HandshakeTimeout: time.Minute})
	addr := strings.TrimPrefix(tr.rsURL, "tcp://")
	dialFrom := func(ip string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial from %s: %v", ip, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	// open reports whether the router kept c: a refused connection reads EOF at once.
	open := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	var held []net.Conn
	steps := []struct {
		from string
		want bool
	}{
		{"127.0.0.1", true}, {"127.0.0.1", true}, {"127.0.0.1", true},
		{"127.0.0.1", false}, // fourth from one address
		{"127.0.0.2", true}, {"127.0.0.3", true},
		{"127.0.0.4", false}, // sixth on the listener
	}
	for i, s := range steps {
		c := dialFrom(s.from)
		if got := open(c); got != s.want {
			t.Errorf("connection %d from %s kept = %v, want %v", i+1, s.from, got, s.want)
		}
		if s.want {
			held = append(held, c)
		}
	}
	_ = held[0].Close()
	time.Sleep(100 * time.Millisecond)
	if c := dialFrom("127.0.0.1"); !open(c) {
		t.Error("after one connection closed, a new one from the same address was refused")
	}
}

// errListener fails its first n Accept calls with EMFILE, as a process out of file
// descriptors does.
type errListener struct {
	net.Listener
	n int
}

func (l *errListener) Accept() (net.Conn, error) {
	if l.n > 0 {
		l.n--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsDoNotStopServing: accept errors (EMFILE) make the RawSocket listener back
// off and retry, not exit.
func TestAcceptErrorsDoNotStopServing(t *testing.T) {
	r, err := router.New(router.Config{Users: testUsers, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.ServeRawSocket(&errListener{Listener: ln, n: 8}) }()
	t.Cleanup(func() {
		_ = r.Close()
		if err := <-done; !errors.Is(err, router.ErrClosed) {
			t.Errorf("ServeRawSocket after Close = %v, want ErrClosed", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	exerciseClient(ctx, t, mustConnect(ctx, t, "tcp://"+ln.Addr().String(), serialize.JSON, edgeCred), "after_emfile")
	select {
	case err := <-done:
		t.Fatalf("ServeRawSocket returned %v after accept errors", err)
	default:
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// TestAnonymousAuthIDPerSession: an anonymous session's authid marks it anonymous and is new
// for every session (the server uses it as the owner of what the session puts there); a
// configured user may not take that prefix.
func TestAnonymousAuthIDPerSession(t *testing.T) {
	tr := startRouter(t, router.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for i := range 3 {
		cl := mustConnect(ctx, t, tr.wsURL, serialize.JSON, anonymous)
		id, _ := cl.RealmDetails()["authid"].(string)
		if !api.IsAnonymous(id) || seen[id] {
			t.Errorf("anonymous session %d authid = %q, want a new %s… id", i, id, api.AnonymousAuthIDPrefix)
		}
		seen[id] = true
		_ = cl.Close()
	}
	phone := mustConnect(ctx, t, tr.wsURL, serialize.JSON, phoneCred)
	if id, _ := phone.RealmDetails()["authid"].(string); id != "phone1" {
		t.Errorf("ticket user authid = %q, want phone1", id)
	}
	if _, err := router.New(router.Config{Users: []router.User{{AuthID: "anon-1", Role: router.RolePhone, Ticket: "t"}}}); err == nil {
		t.Error("a user named anon-1 was accepted")
	}
}
