package router

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Accept back-off bounds, as net/http's Server.Serve uses for temporary accept errors.
const (
	acceptDelayMin = 5 * time.Millisecond
	acceptDelayMax = time.Second
	// logEvery bounds the log rate of accept errors and refused connections per listener.
	logEvery = 10 * time.Second
)

// limitListener keeps a listener serving through accept errors and bounds its connections.
//   - Accept never returns an error other than net.ErrClosed (after Close): on any other
//     error (EMFILE, ENFILE, ECONNABORTED …) it waits with doubling back-off and tries again.
//   - A connection beyond the listener's limit or its remote address's limit is closed at once.
//   - Errors and refusals are logged at most once per logEvery, with the count since.
type limitListener struct {
	net.Listener
	log     *slog.Logger
	max     int            // connections open at once; 0 = no limit
	perAddr int            // connections per remote IP; 0 = no limit
	closed  chan struct{}  // closed by Close, ends back-off sleeps
	once    sync.Once      // closes closed
	rate    rateLog        // accept errors and refusals
	mu      sync.Mutex     // guards open and byAddr
	open    int            // connections accepted and not yet closed
	byAddr  map[string]int // open connections per remote IP
}

func newLimitListener(l net.Listener, log *slog.Logger, max, perAddr int) *limitListener {
	return &limitListener{Listener: l, log: log, max: max, perAddr: perAddr,
		closed: make(chan struct{}), byAddr: map[string]int{}}
}

// Accept returns the next connection within the limits.
func (l *limitListener) Accept() (net.Conn, error) {
	delay := time.Duration(0)
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			select {
			case <-l.closed:
				return nil, net.ErrClosed
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			if delay == 0 {
				delay = acceptDelayMin
			} else {
				delay = min(2*delay, acceptDelayMax)
			}
			l.rate.log(l.log, "accept failed; retrying", "addr", l.Addr().String(), "err", err, "retry_in", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-l.closed:
				t.Stop()
				return nil, net.ErrClosed
			}
			continue
		}
		delay = 0
		if lc, ok := l.admit(c); ok {
			return lc, nil
		}
	}
}

// admit counts c against the limits, or refuses and closes it.
func (l *limitListener) admit(c net.Conn) (net.Conn, bool) {
	ip := remoteIP(c)
	l.mu.Lock()
	over := ""
	switch {
	case l.max > 0 && l.open >= l.max:
		over = "listener"
	case l.perAddr > 0 && l.byAddr[ip] >= l.perAddr:
		over = "remote address"
	default:
		l.open++
		l.byAddr[ip]++
	}
	l.mu.Unlock()
	if over != "" {
		l.rate.log(l.log, "connection refused: limit reached", "addr", l.Addr().String(), "remote", ip,
			"limit", over, "max_connections", l.max, "max_connections_per_addr", l.perAddr)
		_ = c.Close()
		return nil, false
	}
	return &limitConn{Conn: c, l: l, ip: ip}, true
}

func (l *limitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[ip]--; l.byAddr[ip] <= 0 {
		delete(l.byAddr, ip)
	}
}

// Open reports the connections counted now.
func (l *limitListener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Close closes the listener and ends a back-off wait in Accept.
func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// limitConn gives its slot back when closed.
type limitConn struct {
	net.Conn
	l    *limitListener
	ip   string
	once sync.Once // releases the slot once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}

func remoteIP(c net.Conn) string {
	a := c.RemoteAddr()
	if a == nil {
		return ""
	}
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// rateLog logs a warning at most once per logEvery and says how many were suppressed.
type rateLog struct {
	mu         sync.Mutex // guards last and suppressed
	last       time.Time
	suppressed int
}

func (r *rateLog) log(l *slog.Logger, msg string, args ...any) {
	r.mu.Lock()
	now := time.Now()
	if now.Sub(r.last) < logEvery {
		r.suppressed++
		r.mu.Unlock()
		return
	}
	n := r.suppressed
	r.last, r.suppressed = now, 0
	r.mu.Unlock()
	if n > 0 {
		args = append(args, "suppressed_since_last", n)
	}
	l.Warn(msg, args...)
}

// CloseWrite half-closes the connection when the underlying one can (TCP, TLS).
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
