package router

import (
	"errors"
	"net"
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
	serializer  serialize.Serializer
}

// wsProtocols is in preference order: MAMoC phones offer cbor first and must get it, and
// gorilla picks the first of the server's list that the client offers.
var wsProtocols = []wsProtocol{
	{"wamp.2.cbor", websocket.BinaryMessage, &serialize.CBORSerializer{}},
	{"wamp.2.msgpack", websocket.BinaryMessage, &serialize.MessagePackSerializer{}},
	{"wamp.2.json", websocket.TextMessage, &serialize.JSONSerializer{}},
}

// wsHandler upgrades HTTP requests to WAMP WebSocket sessions. Unlike nexus's own server it
// sets a read limit on each connection, so an oversize message closes only its sender.
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
	conn.SetReadLimit(int64(h.r.cfg.MaxMessageSize))
	keepAlive := h.r.cfg.KeepAlive
	if keepAlive < 0 {
		keepAlive = 0
	}
	peer := transport.NewWebsocketPeer(newSyncConn(conn), proto.serializer, proto.payloadType, stdLogger{h.r.log}, keepAlive, h.r.cfg.OutQueueSize)
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

// handleRawSocket runs the RawSocket handshake on conn and attaches the session.
func (r *Router) handleRawSocket(conn net.Conn) {
	peer, err := transport.AcceptRawSocket(conn, stdLogger{r.log}, rawSocketLimit(r.cfg.MaxMessageSize), r.cfg.OutQueueSize)
	if err != nil {
		r.log.Debug("rawsocket handshake", "remote", conn.RemoteAddr().String(), "err", err)
		_ = conn.Close()
		return
	}
	if err := r.nx.Attach(peer); err != nil {
		r.log.Debug("attach rawsocket client", "remote", conn.RemoteAddr().String(), "err", err)
	}
}

// rawSocketLimit rounds n up to the power of two RawSocket can announce (512 B to 16 MiB).
func rawSocketLimit(n int) int {
	l := 512
	for l < n && l < 16<<20 {
		l <<= 1
	}
	return l
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
type syncConn struct {
	*websocket.Conn
	ping atomic.Pointer[func(string) error]
	pong atomic.Pointer[func(string) error]

	closeSent  atomic.Bool
	peerClosed chan struct{} // closed when the client's close frame arrives or reading fails
	once       sync.Once
}

// closeWait bounds how long Close waits for the client to answer our close frame.
const closeWait = time.Second

func newSyncConn(c *websocket.Conn) *syncConn {
	s := &syncConn{Conn: c, peerClosed: make(chan struct{})}
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

// ReadMessage reads the next message; once reading fails, Close need not wait.
func (s *syncConn) ReadMessage() (int, []byte, error) {
	mt, p, err := s.Conn.ReadMessage()
	if err != nil {
		s.markClosed()
	}
	return mt, p, err
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
