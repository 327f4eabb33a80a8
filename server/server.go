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

	"github.com/mamoc-go/mamoc/refactor"
	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/catalog"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	_ "github.com/mamoc-go/mamoc/unikernel-runtime/builtin" // the built-in drivers
)

// Server is mamoc-server: the embedded router (unless it joins a remote one) and the server
// manager session that registers tasks, runs them and publishes stats.
type Server struct {
	cfg     Config
	log     *slog.Logger
	version string
	router  *router.Router // nil when joining a remote router
	stats   *statsPublisher
	repo    *repository.DB     // nil in router-only mode
	rt      *unikernel.Runtime // nil in router-only mode
	off     *offload           // nil in router-only mode
	mgr     *refactor.Manager  // nil in router-only mode
	apps    *apps              // nil in router-only mode

	ready   chan struct{} // closed once the server manager serves
	health  *health
	metrics *metrics
	work    *workLog      // SDK work, rate-bounded
	pool    *pool         // live instances, for the admin page
	charts  *chartHistory // recent stats samples, for the admin page's charts
	start   time.Time

	mu         sync.Mutex // guards the fields below
	httpLn     net.Listener
	rawLn      net.Listener
	sess       *nxclient.Client
	cancelWork context.CancelFunc // cancels the work Run started
	httpSrv    *http.Server
	started    bool
	closed     bool
	closeErr   error

	capMu  sync.Mutex // guards capErr and capAt
	capErr error      // the last probe of the APK linking tools
	capAt  time.Time  // when it ran
}

// New creates a server from cfg. Run starts it; Close releases it.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "server"), version: buildVersion(), ready: make(chan struct{}),
		start: time.Now()}
	s.log.Info("config loaded", "users", len(s.cfg.Router.Users), "data_dir", s.cfg.DataDir, "driver", s.driverName(),
		"server_id", s.cfg.ServerID, "version", s.version, "anonymous", !s.cfg.Router.DisableAnonymous)
	if err := s.firstRunAdmin(); err != nil {
		return nil, err
	}
	var gate func(string)
	if s.cfg.Join == "" {
		r, err := router.New(s.cfg.Router)
		if err != nil {
			return nil, err
		}
		s.router = r
		gate = r.SetUnavailable
	}
	s.health = newHealth(gate)
	s.metrics = newMetrics(s)
	s.work = newWorkLog(s.log.With("part", "work"))
	s.pool = newPool()
	s.charts = newChartHistory(120)
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
	// Accept errors (out of file descriptors) never stop the HTTP listener, and connections
	// are bounded per listener and per address; ServeRawSocket does the same for RawSocket.
	s.httpLn, s.rawLn = s.router.LimitListener(ln), raw
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

// repository returns the open repository, nil in router-only mode or before Run opens it.
func (s *Server) repository() *repository.DB {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repo
}

// gcLoop removes blobs nothing refers to every GCInterval until ctx ends.
func (s *Server) gcLoop(ctx context.Context) {
	if s.cfg.GCInterval < 0 {
		return
	}
	t := time.NewTicker(s.cfg.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.repository().GC(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("blob garbage collection", "err", err)
			} else if n > 0 {
				s.log.Info("blob garbage collection", "removed", n)
			}
		}
	}
}

// Ready is closed once the server serves: the router listens and the server manager has
// registered its procedures and subscriptions.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Config returns the configuration in effect, defaults applied.
func (s *Server) Config() Config { return s.cfg }

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
		httpSrv := &http.Server{Handler: s.mux(), ReadHeaderTimeout: s.cfg.Router.HandshakeTimeout,
			ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
		s.mu.Lock()
		s.httpSrv = httpSrv
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := httpSrv.Serve(s.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
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
	}
	// Work lives on runCtx, which outlives ctx by the shutdown below (shutdown_timeout).
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	s.cancelWork = cancel
	s.mu.Unlock()
	defer cancel()
	if !s.cfg.RouterOnly {
		if err := s.openBackends(runCtx); err != nil {
			cancel()
			s.shutdown()
			wg.Wait()
			return err
		}
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
		s.health.set("registering procedures")
		if err := s.startManager(runCtx, sess); err != nil {
			cancel()
			s.shutdown()
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stats.run(runCtx)
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.gcLoop(runCtx)
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.mgr.Run(runCtx); err != nil && !errors.Is(err, refactor.ErrClosed) && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("refactor jobs: %w", err)
			}
		}()
	}
	s.health.markReady()
	close(s.ready)
	if s.router != nil {
		s.log.Info("listening", "http", "http://"+s.httpLn.Addr().String()+"/", "ws", "ws://"+s.httpLn.Addr().String()+"/ws",
			"rawsocket", addrString(s.rawLn), "realm", s.cfg.Router.Realm, "anonymous", !s.cfg.Router.DisableAnonymous,
			"router_only", s.cfg.RouterOnly, "started_in", time.Since(s.start).Round(time.Millisecond))
	} else {
		s.log.Info("serving", "join", s.cfg.Join, "started_in", time.Since(s.start).Round(time.Millisecond))
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	s.log.Info("shutting down")
	// Stop accepting and give running work shutdown_timeout to finish, then cancel the rest.
	s.shutdown()
	cancel()
	wg.Wait()
	s.log.Info("shutdown finished")
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

// openBackends opens the repository and starts the runtime, then loads server resources.
func (s *Server) openBackends(ctx context.Context) error {
	s.health.set("opening the repository")
	repo, err := repository.OpenConfig(ctx, repository.Config{Dir: s.cfg.DataDir, Logger: s.cfg.Logger,
		ObserveCommit: func(_ int, took time.Duration) { s.metrics.observeWrite("execution_commit", took) }})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.repo = repo
	s.mu.Unlock()
	s.log.Info("repository open", "dir", repo.Dir())
	// No instance of an earlier process runs any more: rows a crash left behind go.
	if n, err := repo.PruneInstances(ctx); err != nil {
		return err
	} else if n > 0 {
		s.log.Info("pruned instance rows of an earlier run", "count", n)
	}
	if err := s.buildImage(ctx); err != nil {
		return err
	}
	s.health.set("starting the runtime")
	rt, err := unikernel.New(s.cfg.Runtime, instanceStore{repo: repo, pool: s.pool, obs: s.metrics})
	if err != nil {
		return fmt.Errorf("start runtime: %w", err)
	}
	s.mu.Lock()
	s.rt = rt
	s.mu.Unlock()
	fp := rt.Fingerprint()
	s.log.Info("runtime ready", "driver", s.driverName(), "health", fp.Health, "isolation", fp.Description)
	for _, c := range s.capabilities(ctx) {
		if !c.OK {
			s.log.Warn("capability missing", "capability", c.Name, "detail", c.Detail)
		}
	}
	if fp.Health != unikernel.HealthHealthy {
		s.log.Warn("runtime runs with weaker isolation than designed", "health", fp.Health, "attributes", fp.Attributes)
	}
	cat, err := catalog.New(catalog.Config{Repo: repo, Runtime: rt, Site: s.cfg.ServerID, Recorder: s.recorder(repo), MaxSourceBytes: s.cfg.MaxSourceBytes,
		MaxResourceBytes: s.cfg.MaxResourceBytes, Logger: s.cfg.Logger})
	if err != nil {
		return err
	}
	// Anonymous sessions of an earlier run are gone: they keep no rights and no task names.
	if err := cat.ForgetAnonymous(ctx); err != nil {
		return err
	}
	off := newOffload(s.log.With("part", "offload"), cat, repo, s.cfg.ServerID)
	off.obs, off.work = s.metrics, s.work
	s.mu.Lock()
	s.off = off
	s.mu.Unlock()
	s.apps = &apps{repo: repo}
	mgr, err := refactor.New(refactor.Config{Logger: s.cfg.Logger, Store: refactorStore{repo}, Registrar: s.off,
		OnProgress: s.apps.progress, Authorize: s.authorizeUpload, RegisterLibraries: s.cfg.RefactorRegisterLibraries})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.mgr, s.apps.mgr = mgr, mgr
	s.mu.Unlock()
	n, err := cat.ImportResources(ctx, s.cfg.ResourcesDir)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("imported server resources", "dir", s.cfg.ResourcesDir, "count", n)
	}
	return nil
}

// startManager registers the server manager's procedures and subscriptions on sess.
func (s *Server) startManager(ctx context.Context, sess *nxclient.Client) error {
	// Sites subscribe to the stats topic first: the stats publisher then finds that
	// subscription by lookup, as it finds one made before it joined a remote router.
	if err := s.registerSites(ctx, sess); err != nil {
		return fmt.Errorf("register sites: %w", err)
	}
	meta := newMetaEvents(sess)
	if err := s.stats.register(sess, meta); err != nil {
		return err
	}
	if err := s.apps.register(sess, s.scope()); err != nil {
		return err
	}
	if err := s.off.start(ctx, sess, meta, s.scope()); err != nil {
		return err
	}

	n, err := s.off.restoreApps(ctx, refactorStore{s.repo})
	if err != nil {
		return fmt.Errorf("restore refactored apps: %w", err)
	}
	if n > 0 {
		s.log.Info("re-registered refactored app procedures", "count", n)
	}
	return nil
}

// mux serves WebSocket at /ws and /ws/, and node info at /info.
func (s *Server) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("/ws", s.router.Handler())
	m.Handle("/ws/", s.router.Handler())
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		mgr := s.mgr
		s.mu.Unlock()
		if mgr == nil {
			http.Error(w, "mamoc: this node runs only the router; the HTTP API is on the server nodes", http.StatusServiceUnavailable)
			return
		}
		if !s.jobAccess(w, r) {
			return
		}
		s.requireUploader(s.grantUpload(mgr.Handler())).ServeHTTP(w, r)
	})
	m.HandleFunc("GET /livez", s.handleLivez)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	m.Handle("GET /metrics", s.metrics.handler())
	s.adminRoutes(m)
	m.HandleFunc("GET /info", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"server_id": s.cfg.ServerID, "version": s.version, "realm": s.cfg.Router.Realm,
			"router_only": s.cfg.RouterOnly,
		})
	})
	return m
}

// runtime returns the started runtime, nil in router-only mode or before Run starts it.
func (s *Server) runtime() *unikernel.Runtime {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rt
}

// runtimeCounts reports the runtime's queue and instances for the stats event.
func (s *Server) runtimeCounts() RuntimeCounts {
	s.mu.Lock()
	rt := s.rt
	s.mu.Unlock()
	if rt == nil {
		return RuntimeCounts{}
	}
	st := rt.Stats()
	return RuntimeCounts{Queued: st.Queued, Running: st.Running, Warm: st.Warm + st.Spare}
}

// shutdown stops accepting, closes the session and the router.
func (s *Server) shutdown() {
	// Take what there is to stop under the lock, and stop it without holding the lock: the
	// stats sampler and the HTTP API read these fields while shutdown waits for running work.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	httpSrv, httpLn, rawLn, sess, off := s.httpSrv, s.httpLn, s.rawLn, s.sess, s.off
	mgr, rt, repo, cancelWork := s.mgr, s.rt, s.repo, s.cancelWork
	s.mu.Unlock()

	if httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		_ = httpSrv.Shutdown(ctx)
		cancel()
		_ = httpSrv.Close()
	} else if httpLn != nil {
		_ = httpLn.Close()
	}
	if off != nil && sess != nil {
		// Running work may finish within the shutdown timeout; then it is cancelled.
		done := make(chan struct{})
		drained := false
		go func() { drained = off.wait(); close(done) }()
		select {
		case <-done:
			// A call's tracking ends when its handler returns; nexus then sends the YIELD
			// from another goroutine. When calls were drained, give those sends a moment
			// before the session closes, or their callers get "callee gone".
			if drained {
				time.Sleep(yieldFlushDelay)
			}
		case <-time.After(s.cfg.ShutdownTimeout):
			s.log.Warn("shutdown: cancelling running tasks")
			if cancelWork != nil {
				cancelWork()
			}
		}
	}
	// The refactor manager publishes job progress on sess: stop it first (running jobs are
	// cancelled and stored as such), then close the session.
	if mgr != nil {
		_ = mgr.Close()
	}
	if sess != nil {
		_ = sess.Close()
	}
	if off != nil {
		off.wait()
	}
	if rt != nil {
		_ = rt.Close()
	}
	if repo != nil {
		_ = repo.Close()
	}
	var err error
	if s.router != nil {
		err = s.router.Close()
	} else if rawLn != nil {
		_ = rawLn.Close()
	}
	s.mu.Lock()
	s.closeErr = err
	s.mu.Unlock()
}

// yieldFlushDelay is how long shutdown waits, after the last call's handler returned, for
// nexus to send the last YIELDs before the server's session closes.
const yieldFlushDelay = 250 * time.Millisecond

// Close releases everything; after Run it is a no-op.
func (s *Server) Close() error {
	s.shutdown()
	s.mu.Lock()
	defer s.mu.Unlock()
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
