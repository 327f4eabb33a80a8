package server

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Config configures mamoc-server. The zero value of each field means its default.
// LoadConfig fills it from flags, MAMOC_* variables and a JSON file; settings (settings.go)
// lists every field once with its flag or file key.
type Config struct {
	// DataDir holds the repository (SQLite database and blobs). Default "mamoc-data".
	DataDir string `json:"data_dir"`
	// Listen is the HTTP address serving WebSocket at /ws and the HTTP API. Default ":8080".
	Listen string `json:"listen"`
	// RawSocketListen is the WAMP RawSocket TCP address; "off" disables it. Default ":8081".
	RawSocketListen string `json:"rawsocket_listen"`
	// TLSCert and TLSKey are PEM files; when both are set, both listeners use TLS. Default none.
	TLSCert string `json:"tls_cert"`
	TLSKey  string `json:"tls_key"`
	// StatsInterval is the period of the stats event. Default 5s.
	StatsInterval time.Duration `json:"stats_interval"`
	// ServerID names this node in stats and execution records. Default the host name.
	ServerID string `json:"server_id"`
	// RouterOnly runs only the router, for server nodes that join it from elsewhere. Default false.
	RouterOnly bool `json:"router_only"`
	// Join is the WebSocket URL of a remote router to join instead of embedding one,
	// e.g. ws://10.0.0.1:8080/ws. Default none (embed the router).
	Join string `json:"join"`
	// JoinAuthID and JoinTicket are the edge credentials for Join. Default none (anonymous,
	// which a mamoc router refuses for registering tasks).
	JoinAuthID string `json:"join_authid"`
	JoinTicket string `json:"join_ticket"`
	// SiteName names this node as a site to phones: in mamoc.site.list, in the stats event and,
	// on a node joined to a remote router, in the node-scoped names of its API
	// (mamoc.node.<site_name>.*). 1–64 letters, digits, '-' and '_'. Default ServerID with
	// every other character replaced by '-'.
	SiteName string `json:"site_name"`
	// SiteKind is what kind of site this node is, "edge" or "cloud", as mamoc.site.list and
	// the stats event tell phones. Default "edge".
	SiteKind string `json:"site_kind"`
	// GCInterval is the period of the blob garbage collection (blobs no record refers to).
	// Default 1h; negative disables it.
	GCInterval time.Duration `json:"gc_interval"`
	// ShutdownTimeout bounds how long running work may take to finish at shutdown before it
	// is cancelled. Default 10s.
	ShutdownTimeout time.Duration `json:"shutdown_timeout"`
	// ResourcesDir holds files offered to every task as server resources (MAMoC's data/
	// folder: small.txt …), imported at start. Default <data_dir>/resources.
	ResourcesDir string `json:"resources_dir"`
	// MaxSourceBytes bounds the Java source of one task. Default 1 MiB.
	MaxSourceBytes int `json:"max_source_bytes"`
	// MaxResourceBytes bounds one resource (receive_file, mamoc.resource.put). Default 64 MiB.
	MaxResourceBytes int64 `json:"max_resource_bytes"`
	// RefactorRegisterLibraries registers the procedures of an uploaded APK's bundled libraries
	// too, not only of the app's own code. Default false.
	RefactorRegisterLibraries bool `json:"refactor_register_libraries"`
	// Router configures the embedded router.
	Router router.Config `json:"router"`
	// Runtime configures the unikernel runtime: driver, pool sizes, per-task limits.
	Runtime unikernel.Config `json:"runtime"`
	// LogLevel is the level of the log mamoc-server's main writes to stderr (it builds Logger
	// from it). Default info.
	LogLevel slog.Level `json:"log_level"`
	// Logger receives the server's log. Default: discard.
	Logger *slog.Logger `json:"-"`
}

func (c *Config) setDefaults() {
	if c.DataDir == "" {
		c.DataDir = "mamoc-data"
	}
	if c.Listen == "" {
		c.Listen = ":8080"
	}
	if c.RawSocketListen == "" {
		c.RawSocketListen = ":8081"
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = 5 * time.Second
	}
	if c.ServerID == "" {
		c.ServerID = c.SiteName
	}
	if c.ServerID == "" {
		c.ServerID, _ = os.Hostname()
		if c.ServerID == "" {
			c.ServerID = "mamoc"
		}
	}
	if c.SiteName == "" {
		c.SiteName = siteNameOf(c.ServerID)
	}
	if c.SiteKind == "" {
		c.SiteKind = "edge"
	}
	if c.GCInterval == 0 {
		c.GCInterval = time.Hour
	}
	if c.ResourcesDir == "" {
		c.ResourcesDir = filepath.Join(c.DataDir, "resources")
	}
	if c.MaxSourceBytes == 0 {
		c.MaxSourceBytes = 1 << 20
	}
	if c.MaxResourceBytes == 0 {
		c.MaxResourceBytes = 64 << 20
	}
	if c.Runtime.Logger == nil {
		c.Runtime.Logger = c.Logger
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Router.Logger == nil {
		c.Router.Logger = c.Logger
	}
	c.Router = c.Router.WithDefaults()
}

// Validate reports the first invalid setting.
func (c *Config) Validate() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("tls_cert and tls_key must be set together")
	}
	if c.StatsInterval < 0 {
		return errors.New("stats_interval: must be positive")
	}
	if c.RouterOnly && c.Join != "" {
		return errors.New("router_only and join exclude each other")
	}
	if c.Join != "" && !strings.HasPrefix(c.Join, "ws://") && !strings.HasPrefix(c.Join, "wss://") &&
		!strings.HasPrefix(c.Join, "tcp://") && !strings.HasPrefix(c.Join, "tcps://") {
		return fmt.Errorf("join: %q is not a ws://, wss://, tcp:// or tcps:// URL", c.Join)
	}
	if !api.ValidSiteName(c.SiteName) {
		return fmt.Errorf("site_name: %q, want 1–64 letters, digits, '-' and '_'", c.SiteName)
	}
	if c.SiteKind != "edge" && c.SiteKind != "cloud" {
		return fmt.Errorf("site_kind: %q is not edge or cloud", c.SiteKind)
	}
	if c.MaxSourceBytes < 0 || c.MaxResourceBytes < 0 {
		return errors.New("max_source_bytes and max_resource_bytes must be positive")
	}
	return c.Router.Validate()
}
