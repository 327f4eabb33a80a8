package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/router"
)

// Server is mamoc-server: the embedded router (unless it joins a remote one) and the server
// manager session that registers tasks, runs them and publishes stats.
type Server struct {
	cfg     Config
	log     *slog.Logger
	version string
	router  *router.Router // nil when joining a remote router
	stats   *statsPublisher

	mu       sync.Mutex // guards the fields below
	httpLn   net.Listener
	rawLn    net.Listener
	sess     *nxclient.Client
	httpSrv  *http.Server
	started  bool
	closed   bool
	closeErr error
}

// New creates a server from cfg. Run starts it; Close releases it.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "server"), version: buildVersion()}
	if cfg.Join == "" {
		r, err := router.New(cfg.Router)
		if err != nil {
			return nil, err
		}
		s.router = r
	}
	s.stats = newStatsPublisher(s, newSampler(s.runtimeCounts))
	return s, nil
}

// buildVersion is the main module's version from the build info, "devel" when unknown.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// Listen binds the listeners so that Addr works before Run. Run calls it when needed.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpLn != nil || s.cfg.Join != "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Listen, err)
	}
	var raw net.Listener
	if s.cfg.RawSocketListen != "off" {
		raw, err = net.Listen("tcp", s.cfg.RawSocketListen)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen rawsocket %s: %w", s.cfg.RawSocketListen, err)
		}
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			_ = ln.Close()
			if raw != nil {
				_ = raw.Close()
			}
			return fmt.Errorf("load tls certificate: %w", err)
		}
		tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, tc)
		if raw != nil {
			raw = tls.NewListener(raw, tc)
		}
	}
	s.httpLn, s.rawLn = ln, raw
	return nil
}

// Addr is the HTTP/WebSocket listener's address, nil before Listen or when joining.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpLn == nil {
		return nil
	}
	return s.httpLn.Addr()
}

// RawSocketAddr is the RawSocket listener's address, nil when off.
func (s *Server) RawSocketAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rawLn == nil {
		return nil
	}
	return s.rawLn.Addr()
}

// Router returns the embedded router, nil when joining a remote one.
func (s *Server) Router() *router.Router { return s.router }

// Run serves until ctx is done, then shuts down cleanly and returns ErrServerClosed.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("server: Run called twice or after Close")
	}
	s.started = true
	s.mu.Unlock()

	var wg sync.WaitGroup
	errc := make(chan error, 3)
	if s.router != nil {
		s.httpSrv = &http.Server{Handler: s.mux(), ReadHeaderTimeout: 10 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.httpSrv.Serve(s.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve http: %w", err)
			}
		}()
		if s.rawLn != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.router.ServeRawSocket(s.rawLn); err != nil && !errors.Is(err, router.ErrClosed) {
					errc <- err
				}
			}()
		}
		s.log.Info("listening", "ws", "ws://"+s.httpLn.Addr().String()+"/ws", "rawsocket", addrString(s.rawLn),
			"realm", s.cfg.Router.Realm, "anonymous", !s.cfg.Router.DisableAnonymous, "router_only", s.cfg.RouterOnly)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !s.cfg.RouterOnly {
		sess, err := s.connect(runCtx)
		if err != nil {
			cancel()
			s.shutdown()
			wg.Wait()
			return err
		}
		s.mu.Lock()
		s.sess = sess
		s.mu.Unlock()
		if err := s.startManager(runCtx, sess); err != nil {
			cancel()
			s.shutdown()
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stats.run(runCtx, sess)
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	s.log.Info("shutting down")
	cancel()
	s.shutdown()
	wg.Wait()
	if runErr != nil {
		return runErr
	}
	return ErrServerClosed
}

// connect opens the server manager's session: in-process with the embedded router, or over
// the network to cfg.Join.
func (s *Server) connect(ctx context.Context) (*nxclient.Client, error) {
	if s.router != nil {
		return s.router.ConnectLocal(nxclient.Config{LocalQueueSize: 1024})
	}
	cfg := nxclient.Config{Realm: s.cfg.Router.Realm, ResponseTimeout: 10 * time.Second, Logger: nopLog{}}
	if s.cfg.JoinAuthID != "" {
		ticket := s.cfg.JoinTicket
		cfg.HelloDetails = wamp.Dict{"authid": s.cfg.JoinAuthID}
		cfg.AuthHandlers = map[string]nxclient.AuthFunc{"ticket": func(*wamp.Challenge) (string, wamp.Dict) { return ticket, wamp.Dict{} }}
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := nxclient.ConnectNet(dctx, s.cfg.Join, cfg)
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", s.cfg.Join, err)
	}
	s.log.Info("joined remote router", "url", s.cfg.Join, "authid", s.cfg.JoinAuthID)
	return c, nil
}

// startManager registers the server manager's procedures and subscriptions on sess.
func (s *Server) startManager(_ context.Context, sess *nxclient.Client) error {
	return s.stats.register(sess)
}

// mux serves WebSocket at /ws and /ws/, and node info at /info.
func (s *Server) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("/ws", s.router.Handler())
	m.Handle("/ws/", s.router.Handler())
	m.HandleFunc("GET /info", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"server_id": s.cfg.ServerID, "version": s.version, "realm": s.cfg.Router.Realm,
			"router_only": s.cfg.RouterOnly,
		})
	})
	return m
}

// runtimeCounts reports the runtime's queue and instances for the stats event.
func (s *Server) runtimeCounts() RuntimeCounts { return RuntimeCounts{} }

// shutdown stops accepting, closes the session and the router.
func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		_ = s.httpSrv.Shutdown(ctx)
		cancel()
		_ = s.httpSrv.Close()
	} else if s.httpLn != nil {
		_ = s.httpLn.Close()
	}
	if s.sess != nil {
		_ = s.sess.Close()
	}
	if s.router != nil {
		s.closeErr = s.router.Close()
	} else if s.rawLn != nil {
		_ = s.rawLn.Close()
	}
}

// Close releases everything; after Run it is a no-op.
func (s *Server) Close() error {
	s.shutdown()
	return s.closeErr
}

func addrString(l net.Listener) string {
	if l == nil {
		return "off"
	}
	return l.Addr().String()
}

type nopLog struct{}

func (nopLog) Print(...any)          {}
func (nopLog) Println(...any)        {}
func (nopLog) Printf(string, ...any) {}
