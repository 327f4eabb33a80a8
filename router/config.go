package router

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mamoc-go/mamoc/server/api"
)

// Roles known to the authorizer.
const (
	// RolePhone is the role of phones: call tasks, publish offloading requests and files,
	// subscribe to results and stats. Anonymous sessions get this role.
	RolePhone = "phone"
	// RoleEdge is the role of server nodes that join the router from elsewhere: they may
	// also register task procedures and publish results and stats.
	RoleEdge = "edge"
	// RoleAdmin may do everything.
	RoleAdmin = "admin"
)

// Config configures the embedded router. The zero value of each field means its default.
type Config struct {
	// Realm is the WAMP realm. Default "mamoc_realm".
	Realm string `json:"realm"`
	// MaxMessageSize is the largest inbound message in bytes on WebSocket and RawSocket.
	// Default 16 MiB (RawSocket rounds it up to a power of two, at most 16 MiB).
	MaxMessageSize int `json:"max_message_size"`
	// DisableAnonymous refuses sessions without authentication. Default false: anonymous
	// sessions are allowed and get role "phone", so unmodified MAMoC apps work on a LAN.
	DisableAnonymous bool `json:"disable_anonymous"`
	// Users are the accounts for ticket and WAMP-CRA authentication. Default none.
	Users []User `json:"users"`
	// AllowedOrigins are glob patterns of WebSocket Origin headers to accept besides the
	// request's own host (requests without Origin, as from phones, are always accepted).
	// Default none.
	AllowedOrigins []string `json:"allowed_origins"`
	// OutQueueSize is the number of messages queued to each client before the router drops
	// events for it. Default 256.
	OutQueueSize int `json:"out_queue_size"`
	// KeepAlive is the interval of WebSocket pings sent to clients. Default 30s; negative
	// turns pings off.
	KeepAlive time.Duration `json:"keep_alive"`
	// AuthTimeout bounds how long a client may take to answer an authentication challenge.
	// Default 10s.
	AuthTimeout time.Duration `json:"auth_timeout"`
	// MaxConnections bounds the connections open at once on each listener (HTTP/WebSocket and
	// RawSocket); more are closed as soon as they are accepted. Default: a share of the
	// process's open-file limit, (limit − reserve) / 2, where the reserve (a quarter of the
	// limit, at least 64) is left for the database, blobs and task instances.
	MaxConnections int `json:"max_connections"`
	// MaxConnectionsPerAddr bounds the connections one remote IP address may hold open on each
	// listener. Default a quarter of MaxConnections, at least 8 and at most 1024.
	MaxConnectionsPerAddr int `json:"max_connections_per_addr"`
	// HandshakeTimeout bounds how long a new connection may take to finish its transport
	// handshake: the TLS handshake, the HTTP request of a WebSocket upgrade and the RawSocket
	// handshake. (The WAMP HELLO must then follow within 5s on every transport.) Default 5s.
	HandshakeTimeout time.Duration `json:"handshake_timeout"`
	// MaxNesting bounds how deeply arguments of an inbound message may nest lists and maps.
	// A CALL nested deeper is answered with wamp.error.invalid_argument. Default 64.
	MaxNesting int `json:"max_nesting"`
	// RefactorRoles are the roles besides admin that may upload APKs (mamoc.app.upload and
	// POST /api/apps). Default ["edge"].
	RefactorRoles []string `json:"refactor_roles"`
	// Logger receives the router's log. Default: discard.
	Logger *slog.Logger `json:"-"`
}

// User is one account for ticket or WAMP-CRA authentication.
type User struct {
	// AuthID is the name the client sends as authid.
	AuthID string `json:"authid"`
	// Role is one of "phone", "edge" or "admin".
	Role string `json:"role"`
	// Ticket is the secret for ticket authentication; empty disables ticket for this user.
	Ticket string `json:"ticket"`
	// Secret is the WAMP-CRA secret; empty disables WAMP-CRA for this user.
	Secret string `json:"secret"`
}

const (
	defaultMaxMessageSize = 16 << 20
	defaultMaxNesting     = 64
)

// defaultMaxConnections shares the open-file limit between the two listeners, keeping a
// reserve for everything else the process opens. An unknown limit counts as 1024.
func defaultMaxConnections(fileLimit uint64) int {
	switch {
	case fileLimit == 0:
		fileLimit = 1024
	case fileLimit > 1<<24:
		fileLimit = 1 << 24
	}
	n := int(fileLimit)
	reserve := max(n/4, 64)
	return max((n-reserve)/2, 16)
}

func (c *Config) setDefaults() {
	if c.Realm == "" {
		c.Realm = "mamoc_realm"
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = defaultMaxMessageSize
	}
	if c.OutQueueSize == 0 {
		c.OutQueueSize = 256
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = 30 * time.Second
	}
	if c.AuthTimeout == 0 {
		c.AuthTimeout = 10 * time.Second
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = defaultMaxConnections(raiseFileLimit())
	}
	if c.MaxConnectionsPerAddr == 0 {
		c.MaxConnectionsPerAddr = min(max(c.MaxConnections/4, 8), 1024)
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 5 * time.Second
	}
	if c.MaxNesting == 0 {
		c.MaxNesting = defaultMaxNesting
	}
	if c.RefactorRoles == nil {
		c.RefactorRoles = []string{RoleEdge}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports the first invalid setting.
func (c *Config) Validate() error {
	if c.MaxMessageSize < 0 {
		return errors.New("max_message_size: must not be negative")
	}
	if c.MaxConnections < 0 || c.MaxConnectionsPerAddr < 0 {
		return errors.New("max_connections and max_connections_per_addr must not be negative")
	}
	if c.HandshakeTimeout < 0 {
		return errors.New("handshake_timeout: must not be negative")
	}
	if c.MaxNesting < 0 {
		return errors.New("max_nesting: must not be negative")
	}
	seen := map[string]bool{}
	for i, u := range c.Users {
		if u.AuthID == "" {
			return fmt.Errorf("users[%d]: authid is empty", i)
		}
		if api.IsAnonymous(u.AuthID) {
			return fmt.Errorf("users[%d]: authid %q starts with %q, which marks anonymous sessions", i, u.AuthID, api.AnonymousAuthIDPrefix)
		}
		if seen[u.AuthID] {
			return fmt.Errorf("users[%d]: duplicate authid %q", i, u.AuthID)
		}
		seen[u.AuthID] = true
		switch u.Role {
		case RolePhone, RoleEdge, RoleAdmin:
		default:
			return fmt.Errorf("users[%d] %q: unknown role %q (want phone, edge or admin)", i, u.AuthID, u.Role)
		}
		if u.Ticket == "" && u.Secret == "" {
			return fmt.Errorf("users[%d] %q: neither ticket nor secret is set", i, u.AuthID)
		}
	}
	return nil
}

// WithDefaults returns a copy of c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}
