package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// Serialization is the WAMP serializer the client asks the router for.
type Serialization string

// Serializations.
const (
	CBOR    Serialization = "cbor"
	MsgPack Serialization = "msgpack"
	JSON    Serialization = "json"
)

// DefaultRealm is the realm of MAMoC and mamoc.
const DefaultRealm = "mamoc_realm"

// Options configures Dial. The zero value of each field means its default.
type Options struct {
	// Realm is the WAMP realm to join. Default "mamoc_realm".
	Realm string
	// AuthID and Ticket authenticate with WAMP ticket auth. Default empty: anonymous (role phone).
	AuthID string
	Ticket string
	// Serialization is the WAMP serializer. Default CBOR.
	Serialization Serialization
	// ResponseTimeout bounds how long subscribe and unsubscribe wait for the router. Default 10s.
	ResponseTimeout time.Duration
	// Logger receives the client's log. Default: discard.
	Logger *slog.Logger
	// Node names one server node among several that share the router (mamoc-server --join): the
	// client then calls that node's scoped procedures (mamoc.node.<Node>.*). Default empty: the
	// router's mamoc API, whichever node serves it.
	Node string
}

func (o *Options) setDefaults() {
	if o.Realm == "" {
		o.Realm = DefaultRealm
	}
	if o.Serialization == "" {
		o.Serialization = CBOR
	}
	if o.ResponseTimeout == 0 {
		o.ResponseTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate reports whether o (after defaults) is usable.
func (o *Options) Validate() error {
	switch o.Serialization {
	case CBOR, MsgPack, JSON:
	default:
		return fmt.Errorf("serialization %q, want cbor, msgpack or json: %w", o.Serialization, ErrBadArgument)
	}
	if (o.AuthID == "") != (o.Ticket == "") {
		return fmt.Errorf("authid and ticket go together: %w", ErrBadArgument)
	}
	if o.Node != "" && !api.ValidSiteName(o.Node) {
		return fmt.Errorf("node %q, want letters, digits, '-' and '_': %w", o.Node, ErrBadArgument)
	}
	return nil
}

// Client is a session with a mamoc server's router. It is safe for concurrent use.
type Client struct {
	nx   *nxclient.Client
	log  *slog.Logger
	node string // Options.Node

	subMu sync.Mutex // serializes subscribing and unsubscribing the stats topic

	mu        sync.Mutex // guards listeners
	listeners map[*statsListener]struct{}
}

// Dial connects to the router at url (ws://HOST:8080/ws, wss://…, tcp://…) and joins the realm.
// ctx bounds only the connection and the join.
func Dial(ctx context.Context, url string, opts Options) (*Client, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("client options: %w", err)
	}
	log := opts.Logger.With("component", "client")
	cfg := nxclient.Config{
		Realm:           opts.Realm,
		Logger:          stdLogger{log},
		ResponseTimeout: opts.ResponseTimeout,
		Serialization:   map[Serialization]serialize.Serialization{CBOR: serialize.CBOR, MsgPack: serialize.MSGPACK, JSON: serialize.JSON}[opts.Serialization],
	}
	if opts.AuthID != "" {
		ticket := opts.Ticket
		cfg.HelloDetails = wamp.Dict{"authid": opts.AuthID}
		cfg.AuthHandlers = map[string]nxclient.AuthFunc{
			"ticket": func(*wamp.Challenge) (string, wamp.Dict) { return ticket, wamp.Dict{} },
		}
	}
	nx, err := nxclient.ConnectNet(ctx, url, cfg)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c, err := newClient(nx, log)
	if err != nil {
		return nil, err
	}
	c.node = opts.Node
	return c, nil
}

// newClient wraps a connected nexus client.
func newClient(nx *nxclient.Client, log *slog.Logger) (*Client, error) {
	if err := nx.SetCallCancelMode(wamp.CancelModeKill); err != nil {
		_ = nx.Close()
		return nil, fmt.Errorf("set cancel mode: %w", err)
	}
	return &Client{nx: nx, log: log, listeners: make(map[*statsListener]struct{})}, nil
}

// Done is closed when the session ends, by Close or by losing the connection.
func (c *Client) Done() <-chan struct{} { return c.nx.Done() }

// Close stops every stats subscription, leaves the realm and closes the connection. It is safe to
// call more than once.
func (c *Client) Close() error {
	c.mu.Lock()
	ls := make([]*statsListener, 0, len(c.listeners))
	for l := range c.listeners {
		ls = append(ls, l)
	}
	c.mu.Unlock()
	for _, l := range ls {
		l.stop()
	}
	if err := c.nx.Close(); err != nil && !errors.Is(err, nxclient.ErrAlreadyClosed) {
		return fmt.Errorf("close client: %w", err)
	}
	return nil
}

// call makes one RPC and maps its errors: a WAMP ERROR becomes *Error, a ctx end becomes an
// *Error with URI wamp.error.canceled that also matches ctx.Err(), a lost session ErrClosed.
func (c *Client) call(ctx context.Context, proc string, args wamp.List, kwargs wamp.Dict, progress func(*wamp.Result)) (*wamp.Result, error) {
	var prog nxclient.ProgressHandler
	if progress != nil {
		prog = progress
	}
	if c.node != "" && strings.HasPrefix(proc, api.PrefixMamoc) {
		proc = api.NodeProcedure(c.node, proc)
	}
	res, err := c.nx.Call(ctx, proc, nil, args, kwargs, prog)
	if err == nil {
		return res, nil
	}
	var rpc nxclient.RPCError
	switch {
	case errors.As(err, &rpc):
		return nil, newError(string(rpc.Err.Error), rpc.Err.Arguments, rpc.Err.ArgumentsKw)
	case ctx.Err() != nil:
		return nil, &Error{URI: api.ErrCanceled, Message: ctx.Err().Error(), cause: ctx.Err()}
	case errors.Is(err, nxclient.ErrNotConn):
		return nil, fmt.Errorf("call %s: %w", proc, ErrClosed)
	}
	return nil, fmt.Errorf("call %s: %w", proc, err)
}

// stdLogger adapts slog to nexus's StdLog.
type stdLogger struct{ l *slog.Logger }

func (s stdLogger) Print(v ...any)                 { s.l.Debug(fmt.Sprint(v...)) }
func (s stdLogger) Println(v ...any)               { s.l.Debug(fmt.Sprint(v...)) }
func (s stdLogger) Printf(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }

// protocolError reports a malformed answer to proc.
func protocolError(proc, format string, a ...any) error {
	return fmt.Errorf("%s: %s: %w", proc, fmt.Sprintf(format, a...), ErrProtocol)
}
