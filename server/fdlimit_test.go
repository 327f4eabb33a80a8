package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mamoc-go/mamoc/server"
)

// phoneCallFrom joins the router at wsAddr from local address ip (any 127.x.y.z works on
// Linux) and makes one call, as a phone would.
func phoneCallFrom(ip, wsAddr string) error {
	d := websocket.Dialer{Subprotocols: []string{"wamp.2.json"}, HandshakeTimeout: 3 * time.Second,
		NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}
	c, _, err := d.Dial("ws://"+wsAddr+"/ws", nil)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer func() { _ = c.Close() }()
	_ = c.NetConn().SetDeadline(time.Now().Add(5 * time.Second))
	exchange := func(send string, wantType float64) error {
		if err := c.WriteMessage(websocket.TextMessage, []byte(send)); err != nil {
			return err
		}
		_, b, err := c.ReadMessage()
		if err != nil {
			return err
		}
		var m []any
		if err := json.Unmarshal(b, &m); err != nil || len(m) == 0 || m[0] != wantType {
			return fmt.Errorf("answer %s, want message type %v", b, wantType)
		}
		return nil
	}
	if err := exchange(`[1,"mamoc_realm",{"roles":{"caller":{}}}]`, 2); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	if err := exchange(`[48,1,{},"wamp.registration.match",["mamoc.nothing"]]`, 50); err != nil {
		return fmt.Errorf("call: %w", err)
	}
	return nil
}

// TestServesAfterManyIdleConnections runs the server in a child process with the open-file
// limit at 1,024 (soft and hard) and opens 1,100 idle connections to its two listeners from
// 20 addresses. The server neither exits nor stops serving: with the default limits the
// listeners refuse what they cannot hold; with the limits lifted the process runs out of
// file descriptors, and the listeners back off and retry instead of exiting. Once the idle
// connections time out (handshake_timeout), a phone from another address is served.
func TestServesAfterManyIdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,100 connections to a child process")
	}
	tests := []struct {
		name                 string
		maxConns, maxPerAddr int
		wantLog              string
	}{
		{"default limits", 0, 0, "connection refused: limit reached"},
		{"limits lifted", 100000, 100000, "too many open files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.Config{Listen: "127.0.0.1:0", RawSocketListen: "127.0.0.1:0", DataDir: t.TempDir(),
				RouterOnly: true, StatsInterval: time.Hour}
			cfg.Router.HandshakeTimeout = 2 * time.Second
			cfg.Router.MaxConnections, cfg.Router.MaxConnectionsPerAddr = tc.maxConns, tc.maxPerAddr
			child := startChild(t, cfg, "ulimit -n 1024")
			var idle []net.Conn
			defer func() {
				for _, c := range idle {
					_ = c.Close()
				}
			}()
			for i := range 1100 {
				addr := child.ws
				if i%2 == 1 {
					addr = child.raw
				}
				d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i%20))}}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					continue // the backlog is full: refused before the server saw it
				}
				idle = append(idle, c)
			}
			if !child.alive() {
				t.Fatalf("server exited under 1,100 idle connections: %v", child.err)
			}
			// A phone from another address is served once the idle connections time out.
			deadline := time.Now().Add(30 * time.Second)
			var err error
			for time.Now().Before(deadline) {
				if err = phoneCallFrom("127.0.2.1", child.ws); err == nil {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("phone not served within 30s after 1,100 idle connections: %v", err)
			}
			// The idle connections are closed by the server, not kept forever: those still in
			// the kernel's backlog are accepted once descriptors free up, and then time out too.
			var closed atomic.Int64
			var readers sync.WaitGroup
			for _, c := range idle {
				readers.Add(1)
				go func() {
					defer readers.Done()
					_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
					if _, err := io.Copy(io.Discard, c); err == nil || !isTimeout(err) {
						closed.Add(1)
					}
				}()
			}
			readers.Wait()
			if n := closed.Load(); n < int64(len(idle))*99/100 {
				t.Errorf("server closed %d of %d idle connections within 30s, want all", n, len(idle))
			}
			if !child.alive() {
				t.Fatalf("server exited: %v", child.err)
			}
			if log := child.logText(); !strings.Contains(log, tc.wantLog) {
				t.Errorf("child log lacks %q", tc.wantLog)
			}
			if err := child.stop(t, 30*time.Second); err != nil {
				t.Errorf("child exit after SIGTERM = %v, want 0", err)
			}
		})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
