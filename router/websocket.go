package router

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gammazero/nexus/v3/transport"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
	"github.com/gorilla/websocket"
)

// wsProtocol is a WAMP WebSocket subprotocol and its serializer.
type wsProtocol struct {
	name        string
	payloadType int
	kind        serialize.Serialization
}

// wsProtocols is in preference order: MAMoC phones offer cbor first and must get it, and
// gorilla picks the first of the server's list that the client offers.
var wsProtocols = []wsProtocol{
	{"wamp.2.cbor", websocket.BinaryMessage, serialize.CBOR},
	{"wamp.2.msgpack", websocket.BinaryMessage, serialize.MSGPACK},
	{"wamp.2.json", websocket.TextMessage, serialize.JSON},
}

// wsHandler upgrades HTTP requests to WAMP WebSocket sessions. Unlike nexus's own server it
// bounds each inbound message (an oversized CALL is answered with an ERROR, anything else
// oversized aborts only its sender) and checks every message with a guard.
type wsHandler struct {
	r        *Router
	upgrader websocket.Upgrader
}

func newWSHandler(r *Router) *wsHandler {
	h := &wsHandler{r: r}
	for _, p := range wsProtocols {
		h.upgrader.Subprotocols = append(h.upgrader.Subprotocols, p.name)
	}
	origins := r.cfg.AllowedOrigins
	h.upgrader.CheckOrigin = func(req *http.Request) bool { return checkOrigin(origins, req) }
	return h
}

// Handler returns the WebSocket endpoint as an http.Handler; mount it at /ws and /ws/.
func (r *Router) Handler() http.Handler { return r.ws }

func (h *wsHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !websocket.IsWebSocketUpgrade(req) {
		http.Error(w, "mamoc: this is a WAMP WebSocket endpoint (subprotocols wamp.2.cbor, wamp.2.msgpack, wamp.2.json)", http.StatusUpgradeRequired)
		return
	}
	conn, err := h.upgrader.Upgrade(w, req, nil)
	if err != nil {
		h.r.log.Debug("websocket upgrade", "remote", req.RemoteAddr, "err", err)
		return
	}
	var proto *wsProtocol
	for i := range wsProtocols {
		if wsProtocols[i].name == conn.Subprotocol() {
			proto = &wsProtocols[i]
		}
	}
	if proto == nil {
		// The client offered no WAMP subprotocol.
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseProtocolError, "no WAMP subprotocol offered"), deadline())
		_ = conn.Close()
		return
	}
	keepAlive := h.r.cfg.KeepAlive
	if keepAlive < 0 {
		keepAlive = 0
	}
	sc := newSyncConn(conn, proto.payloadType, h.r.cfg.MaxMessageSize)
	sc.g = newGuard(proto.kind, h.r.cfg.MaxNesting, sc)
	peer := transport.NewWebsocketPeer(sc, sc.g, proto.payloadType, stdLogger{h.r.log}, keepAlive, h.r.cfg.OutQueueSize)
	details := wamp.Dict{"auth": wamp.Dict{}, "protocol": proto.name, "peer": req.RemoteAddr}
	if err := h.r.nx.AttachClient(peer, details); err != nil {
		h.r.log.Debug("attach websocket client", "remote", req.RemoteAddr, "err", err)
	}
}

// checkOrigin accepts requests without Origin (phones, native clients), same-host origins and
// origins matching one of the glob patterns.
func checkOrigin(patterns []string, req *http.Request) bool {
	origin := req.Header.Get("Origin")
	if origin == "" {
		return true
	}
	host := origin
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if strings.EqualFold(host, req.Host) {
		return true
	}
	for _, p := range patterns {
		if ok, _ := filepath.Match(strings.ToLower(p), strings.ToLower(host)); ok {
			return true
		}
	}
	return false
}

func deadline() time.Time { return time.Now().Add(time.Second) }

// syncConn mends two faults of nexus v3.3.0's WebSocket peer:
//   - a data race: its send goroutine sets the ping and pong handlers while its receive
//     goroutine may already be reading a ping. Here the handlers are set on gorilla's
//     connection once, before any goroutine starts, and dispatch through atomics to whatever
//     nexus installs later;
//   - an unclean close: it sends a close frame and drops the TCP connection at once, so
//     clients (autobahn-python) may see an abnormal closure. Here Close waits up to
//     closeWait for the client's close frame first.
//
// It also bounds inbound messages (limit) and lets the guard write answers ahead of the
// outbound queue and end the connection after a protocol violation.
type syncConn struct {
	*websocket.Conn
	ping atomic.Pointer[func(string) error]
	pong atomic.Pointer[func(string) error]

	g           *guard // set before the peer starts reading
	payloadType int
	limit       int         // largest inbound message in bytes
	wmu         sync.Mutex  // serialises WriteMessage (gorilla allows one writer)
	failed      atomic.Bool // set by fail: the next ReadMessage ends the connection

	closeSent  atomic.Bool
	peerClosed chan struct{} // closed when the client's close frame arrives or reading fails
	once       sync.Once
}

// closeWait bounds how long Close waits for the client to answer our close frame.
const closeWait = time.Second

func newSyncConn(c *websocket.Conn, payloadType, limit int) *syncConn {
	s := &syncConn{Conn: c, payloadType: payloadType, limit: limit, peerClosed: make(chan struct{})}
	c.SetCloseHandler(func(code int, _ string) error {
		s.markClosed()
		if !s.closeSent.Load() {
			_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), deadline())
		}
		return nil
	})
	c.SetPingHandler(func(data string) error {
		if h := s.ping.Load(); h != nil {
			return (*h)(data)
		}
		err := c.WriteControl(websocket.PongMessage, []byte(data), deadline())
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	c.SetPongHandler(func(data string) error {
		if h := s.pong.Load(); h != nil {
			return (*h)(data)
		}
		return nil
	})
	return s
}

func (s *syncConn) SetPingHandler(h func(string) error) { s.ping.Store(&h) }
func (s *syncConn) SetPongHandler(h func(string) error) { s.pong.Store(&h) }

func (s *syncConn) markClosed() { s.once.Do(func() { close(s.peerClosed) }) }

// errConnFailed ends the WebSocket peer's read loop after a protocol violation.
var errConnFailed = errors.New("websocket: session aborted for a protocol violation")

// ReadMessage reads the next message of at most limit bytes; once reading fails, Close need
// not wait. A larger message is answered by the guard: when the session goes on, the rest of
// it is discarded and the next message read.
func (s *syncConn) ReadMessage() (int, []byte, error) {
	for {
		if s.failed.Load() {
			s.markClosed()
			return 0, nil, errConnFailed
		}
		mt, r, err := s.Conn.NextReader()
		if err != nil {
			s.markClosed()
			return mt, nil, err
		}
		b, err := io.ReadAll(io.LimitReader(r, int64(s.limit)+1))
		if err != nil {
			s.markClosed()
			return mt, nil, err
		}
		if len(b) <= s.limit {
			return mt, b, nil
		}
		if !s.g.oversized(b[:min(len(b), rawPeekPrefix)], -1, s.limit) {
			s.markClosed()
			return 0, nil, errConnFailed
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			s.markClosed()
			return mt, nil, err
		}
	}
}

// WriteMessage writes one data message; the guard's answers and nexus's sender share it.
func (s *syncConn) WriteMessage(messageType int, data []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.Conn.WriteMessage(messageType, data)
}

func (s *syncConn) writeNow(b []byte) error { return s.WriteMessage(s.payloadType, b) }

// fail sends a close frame with code; the next ReadMessage ends the peer.
func (s *syncConn) fail(code int, reason string) {
	s.failed.Store(true)
	_ = s.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline())
}

// WriteControl notes a close frame sent to the client.
func (s *syncConn) WriteControl(messageType int, data []byte, dl time.Time) error {
	if messageType == websocket.CloseMessage {
		s.closeSent.Store(true)
	}
	return s.Conn.WriteControl(messageType, data, dl)
}

// Close closes the connection, after the client's close frame when we sent ours.
func (s *syncConn) Close() error {
	if s.closeSent.Load() {
		select {
		case <-s.peerClosed:
		case <-time.After(closeWait):
		}
	}
	return s.Conn.Close()
}
