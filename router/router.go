package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	nxclient "github.com/gammazero/nexus/v3/client"
	nxrouter "github.com/gammazero/nexus/v3/router"
	"github.com/gammazero/nexus/v3/router/auth"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// Router is mamoc's embedded WAMP router: one realm, WebSocket and RawSocket transports,
// ticket, WAMP-CRA and (optionally) anonymous authentication, and role-based authorization.
type Router struct {
	cfg   Config
	log   *slog.Logger
	nx    nxrouter.Router
	ws    *wsHandler
	authz *authorizer
	match *nxclient.Client // answers api.ProcRegistrationMatch

	mu        sync.Mutex // guards listeners and closed
	listeners []net.Listener
	closed    bool
	wg        sync.WaitGroup // RawSocket accept loops
}

// New creates the router and its realm. Close releases it.
func New(cfg Config) (*Router, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("router config: %w", err)
	}
	log := cfg.Logger.With("component", "router")
	ks := newKeyStore(cfg.Users)
	authenticators := []auth.Authenticator{
		auth.NewTicketAuthenticator(ks, cfg.AuthTimeout),
		auth.NewCRAuthenticator(ks, cfg.AuthTimeout),
	}
	if !cfg.DisableAnonymous {
		authenticators = append(authenticators, &auth.AnonymousAuth{AuthRole: RolePhone})
	}
	realm := &nxrouter.RealmConfig{
		URI:            wamp.URI(cfg.Realm),
		StrictURI:      false, // task FQCNs contain capitals
		AnonymousAuth:  false, // the AnonymousAuth authenticator above assigns role phone
		AllowDisclose:  true,
		Authenticators: authenticators,
	}
	authz := newAuthorizer(cfg.RefactorRoles)
	realm.Authorizer = authz
	nx, err := nxrouter.NewRouter(&nxrouter.Config{RealmConfigs: []*nxrouter.RealmConfig{realm}}, stdLogger{log})
	if err != nil {
		return nil, fmt.Errorf("start nexus router: %w", err)
	}
	r := &Router{cfg: cfg, log: log, nx: nx, authz: authz}
	r.ws = newWSHandler(r)
	if err := r.startMatchCallee(); err != nil {
		nx.Close()
		return nil, err
	}
	return r, nil
}

// Realm returns the realm's URI.
func (r *Router) Realm() string { return r.cfg.Realm }

// Nexus returns the underlying nexus router, for attaching peers directly.
func (r *Router) Nexus() nxrouter.Router { return r.nx }

// ConnectLocal returns an in-process client session with authrole "trusted", which bypasses
// authorization. cfg.Realm is set to the router's realm when empty.
func (r *Router) ConnectLocal(cfg nxclient.Config) (*nxclient.Client, error) {
	if cfg.Realm == "" {
		cfg.Realm = r.cfg.Realm
	}
	if cfg.Logger == nil {
		cfg.Logger = stdLogger{r.log}
	}
	c, err := nxclient.ConnectLocal(r.nx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect local client: %w", err)
	}
	return c, nil
}

// MayRefactor reports whether a user of role may upload APKs for analysis (over WAMP,
// api.ProcAppUpload, or the HTTP API): admins and Config.RefactorRoles.
func (r *Router) MayRefactor(role string) bool { return r.authz.MayRefactor(role) }

// startMatchCallee registers api.ProcRegistrationMatch: it asks the real meta procedure and
// answers null instead of 0 when nothing matches, as Crossbar does and MAMoC phones expect.
func (r *Router) startMatchCallee() error {
	c, err := r.ConnectLocal(nxclient.Config{})
	if err != nil {
		return err
	}
	handler := func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
		res, err := c.Call(ctx, string(wamp.MetaProcRegMatch), nil, inv.Arguments, nil, nil)
		if err != nil {
			return nxclient.InvokeResult{Err: wamp.ErrInvalidArgument, Args: wamp.List{err.Error()}}
		}
		var id any
		if len(res.Arguments) > 0 {
			if v, ok := wamp.AsID(res.Arguments[0]); ok && v != 0 {
				id = v
			}
		}
		return nxclient.InvokeResult{Args: wamp.List{id}}
	}
	if err := c.Register(api.ProcRegistrationMatch, handler, nil); err != nil {
		_ = c.Close()
		return fmt.Errorf("register %s: %w", api.ProcRegistrationMatch, err)
	}
	r.match = c
	return nil
}

// ServeRawSocket accepts WAMP RawSocket connections on l until l is closed or the router
// is closed. It returns ErrClosed after Close.
func (r *Router) ServeRawSocket(l net.Listener) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.listeners = append(r.listeners, l)
	r.mu.Unlock()
	for {
		conn, err := l.Accept()
		if err != nil {
			r.mu.Lock()
			closed := r.closed
			r.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return ErrClosed
			}
			return fmt.Errorf("accept rawsocket: %w", err)
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.handleRawSocket(conn)
		}()
	}
}

// Close stops the RawSocket listeners handed to ServeRawSocket, disconnects every session and
// closes the realm. It is safe to call more than once.
func (r *Router) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ls := r.listeners
	r.mu.Unlock()
	for _, l := range ls {
		_ = l.Close()
	}
	if r.match != nil {
		_ = r.match.Close()
	}
	r.nx.Close()
	r.wg.Wait()
	return nil
}
