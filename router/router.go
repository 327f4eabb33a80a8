package router

import (
	"context"
	"fmt"
	"log/slog"
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
	match *nxclient.Client // answers api.ProcRegistrationMatch and api.ProcUnavailable
	gate  *gate            // readiness and message counters, shared with the authorizer

	mu        sync.Mutex // guards listeners and closed
	listeners []*limitListener
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
		authenticators = append(authenticators, anonymousAuth{&auth.AnonymousAuth{AuthRole: RolePhone}})
	}
	g := newGate()
	realm := &nxrouter.RealmConfig{
		URI:            wamp.URI(cfg.Realm),
		StrictURI:      false, // task FQCNs contain capitals
		AnonymousAuth:  false, // the AnonymousAuth authenticator above assigns role phone
		AllowDisclose:  true,
		Authenticators: authenticators,
	}
	authz := newAuthorizer(cfg.RefactorRoles, g)
	realm.Authorizer = authz
	nx, err := nxrouter.NewRouter(&nxrouter.Config{RealmConfigs: []*nxrouter.RealmConfig{realm}}, stdLogger{log})
	if err != nil {
		return nil, fmt.Errorf("start nexus router: %w", err)
	}
	r := &Router{cfg: cfg, log: log, nx: nx, authz: authz, gate: g}
	log.Debug("connection limits", "max_connections", cfg.MaxConnections,
		"max_connections_per_addr", cfg.MaxConnectionsPerAddr, "handshake_timeout", cfg.HandshakeTimeout)
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
	if err := r.registerUnavailable(c); err != nil {
		_ = c.Close()
		return fmt.Errorf("register %s: %w", api.ProcUnavailable, err)
	}
	r.match = c
	return nil
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
