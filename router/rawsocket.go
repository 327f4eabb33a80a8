package router

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
)

// RawSocket framing (WAMP spec, "RawSocket Transport").
const (
	rawMagic      = 0x7f
	rawFrameWAMP  = 0
	rawFramePing  = 1
	rawFramePong  = 2
	rawErrSerial  = 1 // handshake error: serializer unsupported
	rawErrBits    = 3 // handshake error: use of reserved bits
	rawPeekPrefix = 64
	// lingerTime bounds how long a connection that broke the protocol is drained before it is
	// closed, so that the ABORT reaches the client instead of a reset.
	lingerTime = time.Second
)

// ServeRawSocket accepts WAMP RawSocket connections on l until l is closed or the router is
// closed, within the connection limits (see LimitListener). It returns ErrClosed after Close;
// accept errors never end it.
func (r *Router) ServeRawSocket(l net.Listener) error {
	ll, ok := l.(*limitListener)
	if !ok {
		ll = r.limit(l)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.listeners = append(r.listeners, ll)
	r.mu.Unlock()
	for {
		conn, err := ll.Accept()
		if err != nil {
			// limitListener.Accept fails only once closed.
			return ErrClosed
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.handleRawSocket(conn)
		}()
	}
}

// LimitListener wraps l with the router's connection limits (max_connections,
// max_connections_per_addr) and keeps it serving through accept errors: Accept then waits
// with back-off, as net/http does, and logs at a bounded rate. Use it for the HTTP listener
// that serves Handler; ServeRawSocket applies it itself.
func (r *Router) LimitListener(l net.Listener) net.Listener { return r.limit(l) }

func (r *Router) limit(l net.Listener) *limitListener {
	return newLimitListener(l, r.log, r.cfg.MaxConnections, r.cfg.MaxConnectionsPerAddr)
}

// handleRawSocket runs the RawSocket handshake on conn within the handshake timeout and
// attaches the session.
func (r *Router) handleRawSocket(conn net.Conn) {
	remote := conn.RemoteAddr().String()
	peer, err := r.acceptRawSocket(conn)
	if err != nil {
		r.log.Debug("rawsocket handshake", "remote", remote, "err", err)
		_ = conn.Close()
		return
	}
	if err := r.nx.Attach(peer); err != nil {
		r.log.Debug("attach rawsocket client", "remote", remote, "err", err)
	}
}

func (r *Router) acceptRawSocket(conn net.Conn) (*rawSocketPeer, error) {
	if r.cfg.HandshakeTimeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(r.cfg.HandshakeTimeout))
	}
	var hs [4]byte
	if _, err := io.ReadFull(conn, hs[:]); err != nil {
		return nil, fmt.Errorf("read handshake: %w", err)
	}
	if hs[0] != rawMagic {
		return nil, errors.New("not a rawsocket handshake")
	}
	if hs[2] != 0 || hs[3] != 0 {
		_, _ = conn.Write([]byte{rawMagic, rawErrBits << 4, 0, 0})
		return nil, errors.New("use of reserved bits")
	}
	var kind serialize.Serialization
	switch hs[1] & 0x0f {
	case 1:
		kind = serialize.JSON
	case 2:
		kind = serialize.MSGPACK
	case 3:
		kind = serialize.CBOR
	default:
		_, _ = conn.Write([]byte{rawMagic, rawErrSerial << 4, 0, 0})
		return nil, fmt.Errorf("serializer %d unsupported", hs[1]&0x0f)
	}
	limitExp := rawSocketExp(r.cfg.MaxMessageSize)
	if _, err := conn.Write([]byte{rawMagic, limitExp<<4 | hs[1]&0x0f, 0, 0}); err != nil {
		return nil, fmt.Errorf("write handshake: %w", err)
	}
	_ = conn.SetDeadline(time.Time{})
	p := &rawSocketPeer{conn: conn, log: r.log, sendLimit: 1 << (9 + int(hs[1]>>4)), recvLimit: 1 << (9 + int(limitExp)),
		rd: make(chan wamp.Message), wr: make(chan wamp.Message, r.cfg.OutQueueSize),
		stop: make(chan struct{}), closed: make(chan struct{}), sendDone: make(chan struct{})}
	p.g = newGuard(kind, r.cfg.MaxNesting, p)
	go p.recvLoop()
	go p.sendLoop()
	return p, nil
}

// rawSocketExp is the RawSocket length exponent (limit = 2^(9+exp)) for the smallest power of
// two of at least n bytes, from 512 B to 16 MiB.
func rawSocketExp(n int) byte {
	var e byte
	for e < 15 && 1<<(9+int(e)) < n {
		e++
	}
	return e
}

// rawSocketPeer is the server side of one RawSocket connection. It replaces nexus's, which
// is not exported, drops what it cannot decode without an answer and has no handshake timeout.
type rawSocketPeer struct {
	conn      net.Conn
	g         *guard
	log       *slog.Logger
	sendLimit int // the client's maximum message length
	recvLimit int // ours

	rd chan wamp.Message // to the router; closed when the connection ends
	wr chan wamp.Message // from the router

	wmu      sync.Mutex    // serialises writes to conn
	stop     chan struct{} // closed by Close: the send loop exits
	closed   chan struct{} // closed by Close: the receive loop stops delivering
	sendDone chan struct{} // closed when the send loop exited
	once     sync.Once     // runs Close once
}

var _ wamp.Peer = (*rawSocketPeer)(nil)

func (p *rawSocketPeer) Recv() <-chan wamp.Message { return p.rd }
func (p *rawSocketPeer) Send() chan<- wamp.Message { return p.wr }
func (p *rawSocketPeer) IsLocal() bool             { return false }

// Close stops sending, discards queued messages and closes the connection. Do not Send after
// Close.
func (p *rawSocketPeer) Close() {
	p.once.Do(func() {
		close(p.stop)
		<-p.sendDone
		close(p.closed)
		_ = p.conn.Close()
	})
}

// writeFrame writes one frame of type kind.
func (p *rawSocketPeer) writeFrame(kind byte, b []byte) error {
	n := len(b)
	bufs := net.Buffers{{kind, byte(n >> 16), byte(n >> 8), byte(n)}, b}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err := bufs.WriteTo(p.conn)
	return err
}

func (p *rawSocketPeer) writeNow(b []byte) error { return p.writeFrame(rawFrameWAMP, b) }

// fail half-closes the connection after an ABORT; the receive loop drains and closes it.
func (p *rawSocketPeer) fail(int, string) {
	if cw, ok := p.conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

func (p *rawSocketPeer) sendLoop() {
	defer close(p.sendDone)
	for {
		select {
		case <-p.stop:
			return
		case msg := <-p.wr:
			b, err := p.g.Serialize(msg)
			if err != nil {
				p.log.Debug("rawsocket serialize", "type", msg.MessageType(), "err", err)
				continue
			}
			if len(b) > p.sendLimit {
				// The client cannot receive it. A caller gets an error instead of waiting forever.
				res, ok := msg.(*wamp.Result)
				if !ok {
					p.log.Debug("rawsocket: message too large for the client, dropped", "type", msg.MessageType(), "size", len(b), "limit", p.sendLimit)
					continue
				}
				b, err = p.g.Serialize(&wamp.Error{Type: wamp.CALL, Request: res.Request, Details: wamp.Dict{},
					Error: ErrURIPayloadSizeExceeded, Arguments: wamp.List{fmt.Sprintf("result of %d bytes exceeds the %d bytes the caller accepts", len(b), p.sendLimit)}})
				if err != nil {
					continue
				}
			}
			if err := p.writeFrame(rawFrameWAMP, b); err != nil {
				p.log.Debug("rawsocket write", "err", err)
				// The receive loop sees the broken connection and ends the session.
				_ = p.conn.Close()
				return
			}
		}
	}
}

func (p *rawSocketPeer) recvLoop() {
	defer close(p.rd)
	for {
		msg, ok := p.readMessage()
		if !ok {
			if p.g.isBroken() {
				p.linger()
			}
			_ = p.conn.Close()
			return
		}
		if msg == nil {
			continue
		}
		select {
		case p.rd <- msg:
		case <-p.closed:
			return
		}
	}
}

// readMessage reads the next frame: a WAMP message (nil when answered or dropped), or
// handles a ping or pong. ok is false when the connection must end.
func (p *rawSocketPeer) readMessage() (msg wamp.Message, ok bool) {
	var h [4]byte
	if _, err := io.ReadFull(p.conn, h[:]); err != nil {
		return nil, false
	}
	n := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	kind := h[0] & 0x07
	if h[0]&0xf8 != 0 || kind > rawFramePong {
		_ = p.g.violation(fmt.Sprintf("rawsocket frame header %#x uses reserved bits", h[0]))
		return nil, false
	}
	if n > p.recvLimit {
		prefix := make([]byte, min(n, rawPeekPrefix))
		if _, err := io.ReadFull(p.conn, prefix); err != nil {
			return nil, false
		}
		if kind != rawFrameWAMP || !p.g.oversized(prefix, n, p.recvLimit) {
			return nil, false
		}
		if _, err := io.CopyN(io.Discard, p.conn, int64(n-len(prefix))); err != nil {
			return nil, false
		}
		return nil, true
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(p.conn, buf); err != nil {
		return nil, false
	}
	switch kind {
	case rawFramePing:
		if err := p.writeFrame(rawFramePong, buf); err != nil {
			return nil, false
		}
		return nil, true
	case rawFramePong:
		return nil, true
	}
	m, err := p.g.Deserialize(buf)
	if err != nil {
		return nil, !p.g.isBroken()
	}
	return m, true
}

// linger drains the connection for up to lingerTime, so that the client reads the ABORT
// before the connection closes.
func (p *rawSocketPeer) linger() {
	_ = p.conn.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.Copy(io.Discard, p.conn)
}
