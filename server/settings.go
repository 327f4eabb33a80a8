package server

// settings lists every setting of mamoc-server, once. LoadConfig, --help, the environment and
// the config file are all generated from it.
//
// To add a setting: add the field (with its doc, default in setDefaults and check in Validate)
// to the Config of its component (this package's Config, router.Config or unikernel.Config),
// then add one line here. With a flag name the setting becomes the flag --name, the environment
// variable MAMOC_NAME and the top-level config-file key name in snake_case; without one it is
// set only in the config file, under the field's JSON path (e.g. "router.keep_alive"). --help
// prints the usage and the default taken from setDefaults; TestSettingsCoverConfig fails while a
// Config field has no line here.
var settings = []setting{
	{flag: "data-dir", usage: "directory of the SQLite repository and blob store", field: func(c *Config) any { return &c.DataDir }},
	{flag: "listen", usage: "HTTP address: admin page at /, WebSocket at /ws, HTTP API at /api, /livez, /readyz, /metrics, node info at /info", field: func(c *Config) any { return &c.Listen }},
	{flag: "rawsocket-listen", usage: `WAMP RawSocket TCP address, "off" to disable`, field: func(c *Config) any { return &c.RawSocketListen }},
	{flag: "tls-cert", usage: "PEM certificate; with --tls-key both listeners use TLS", field: func(c *Config) any { return &c.TLSCert }},
	{flag: "tls-key", usage: "PEM private key of --tls-cert", field: func(c *Config) any { return &c.TLSKey }},
	{flag: "stats-interval", usage: "period of the stats event", field: func(c *Config) any { return &c.StatsInterval }},
	{flag: "server-id", usage: "name of this node in stats and execution records", field: func(c *Config) any { return &c.ServerID }, derived: "the host name"},
	{flag: "router-only", usage: "run only the router, for server nodes that join it", field: func(c *Config) any { return &c.RouterOnly }},
	{flag: "join", usage: "WebSocket URL of a remote mamoc router to join instead of embedding one", field: func(c *Config) any { return &c.Join }},
	{flag: "join-authid", usage: "edge authid for --join (ticket authentication)", field: func(c *Config) any { return &c.JoinAuthID }},
	{flag: "join-ticket", usage: "edge ticket for --join", field: func(c *Config) any { return &c.JoinTicket }},
	{flag: "shutdown-timeout", usage: "time running work may take to finish at shutdown", field: func(c *Config) any { return &c.ShutdownTimeout }},
	{flag: "resources-dir", usage: "files offered to every task as resources (MAMoC's data/ folder)", field: func(c *Config) any { return &c.ResourcesDir }, derived: "<data_dir>/resources"},
	{flag: "refactor-register-libraries", usage: "register the procedures of an uploaded APK's bundled libraries too, not only of the app's own code", field: func(c *Config) any { return &c.RefactorRegisterLibraries }},
	{flag: "log-level", usage: "log level: debug, info, warn or error", field: func(c *Config) any { return &c.LogLevel }},
	{flag: "site-name", usage: "name of this node as a site to phones (site list, stats, node-scoped API names)", field: func(c *Config) any { return &c.SiteName }, derived: "server_id"},
	{flag: "site-kind", usage: "kind of site this node is: edge or cloud", field: func(c *Config) any { return &c.SiteKind }},
	{usage: "period of blob garbage collection; negative disables it", field: func(c *Config) any { return &c.GCInterval }},
	{usage: "largest Java source of one task in bytes", field: func(c *Config) any { return &c.MaxSourceBytes }},
	{usage: "largest resource in bytes (receive_file, mamoc.resource.put)", field: func(c *Config) any { return &c.MaxResourceBytes }},

	// The embedded router (router.Config).
	{flag: "realm", usage: "WAMP realm", field: func(c *Config) any { return &c.Router.Realm }},
	{flag: "max-message-size", usage: "largest inbound WAMP message in bytes", field: func(c *Config) any { return &c.Router.MaxMessageSize }},
	{flag: "disable-anonymous", usage: "refuse unauthenticated sessions; by default they are allowed with role phone", field: func(c *Config) any { return &c.Router.DisableAnonymous }},
	{flag: "allowed-origins", usage: "comma-separated WebSocket Origin globs to accept", field: func(c *Config) any { return &c.Router.AllowedOrigins }},
	{flag: "refactor-roles", usage: "comma-separated roles besides admin that may upload APKs", field: func(c *Config) any { return &c.Router.RefactorRoles }},
	{usage: `ticket and WAMP-CRA accounts: [{"authid", "role" (phone|edge|admin), "ticket", "secret"}]; without an admin, the first start creates "admin" with its ticket in <data_dir>/admin.ticket`, field: func(c *Config) any { return &c.Router.Users }},
	{usage: "messages queued to a client before events to it are dropped", field: func(c *Config) any { return &c.Router.OutQueueSize }},
	{usage: "WebSocket ping interval; negative disables pings", field: func(c *Config) any { return &c.Router.KeepAlive }},
	{usage: "time to answer an authentication challenge", field: func(c *Config) any { return &c.Router.AuthTimeout }},
	{flag: "max-connections", usage: "connections open at once on each listener; more are closed at once", field: func(c *Config) any { return &c.Router.MaxConnections }, derived: "(open-file limit − a quarter of it) / 2"},
	{flag: "max-connections-per-addr", usage: "connections one remote IP address may hold open on each listener", field: func(c *Config) any { return &c.Router.MaxConnectionsPerAddr }, derived: "max_connections / 4, from 8 to 1024"},
	{usage: "time a new connection has for its TLS, HTTP upgrade or RawSocket handshake", field: func(c *Config) any { return &c.Router.HandshakeTimeout }},
	{usage: "deepest nesting of lists and maps in a message's arguments", field: func(c *Config) any { return &c.Router.MaxNesting }},

	// The unikernel runtime (unikernel.Config).
	{flag: "driver", usage: "unikernel driver that runs tasks: process (bubblewrap sandbox) or gvisor (runsc sandbox)", field: func(c *Config) any { return &c.Runtime.Driver }},
	{flag: "image-dir", usage: "cache of built base images", field: func(c *Config) any { return &c.Runtime.ImageDir }},
	{flag: "allow-weak-isolation", usage: "start even when the host lacks an isolation feature (logged as a warning)", field: func(c *Config) any { return &c.Runtime.AllowWeakIsolation }},
	{flag: "task-timeout", usage: "default wall-time limit of a task", field: func(c *Config) any { return &c.Runtime.Limits.WallTime }},
	{flag: "task-memory-mb", usage: "default memory limit of an instance in MiB", field: func(c *Config) any { return &c.Runtime.Limits.MemoryMB }},
	{flag: "max-instances", usage: "most runtime instances at once", field: func(c *Config) any { return &c.Runtime.MaxInstances }, derived: "half the memory / task_memory_mb, at most max(8, 4 × cores)"},
	{flag: "max-concurrent", usage: "most tasks running at once", field: func(c *Config) any { return &c.Runtime.MaxConcurrent }, derived: "2 × cores, at least 4"},
	{flag: "queue-len", usage: "tasks that may wait; beyond it callers get mamoc.error.busy", field: func(c *Config) any { return &c.Runtime.QueueLen }},
	{usage: "JDK that builds the base image", field: func(c *Config) any { return &c.Runtime.JavaHome }, derived: "$JAVA_HOME, else the JDK of javac on PATH"},
	{usage: "idle instances kept per task source once it has run", field: func(c *Config) any { return &c.Runtime.MinWarm }},
	{usage: "booted instances not yet bound to a task source", field: func(c *Config) any { return &c.Runtime.Spare }},
	{usage: "instances, and so concurrent calls, of one task source", field: func(c *Config) any { return &c.Runtime.MaxPerApp }, derived: "the cores, at least 2"},
	{usage: "calls of its task source one instance runs at once, each with its own limits and output", field: func(c *Config) any { return &c.Runtime.InstanceConcurrency }},
	{usage: "idle instances above min_warm stop after this", field: func(c *Config) any { return &c.Runtime.IdleTimeout }},
	{usage: "an instance is recycled after this many calls; 0 never (it is on a breach, a crash, age or memory growth)", field: func(c *Config) any { return &c.Runtime.MaxCallsPerInstance }},
	{usage: "an idle instance older than this is replaced by a fresh one", field: func(c *Config) any { return &c.Runtime.MaxAge }},
	{usage: "an idle instance using more than this percentage of its memory limit is replaced by a fresh one", field: func(c *Config) any { return &c.Runtime.RecycleMemoryPercent }},
	{usage: "time to boot one instance", field: func(c *Config) any { return &c.Runtime.BootTimeout }},
	{usage: "time to compile one source", field: func(c *Config) any { return &c.Runtime.CompileTimeout }},
	{usage: "CPU cores of one instance; negative means unlimited", field: func(c *Config) any { return &c.Runtime.InstanceCPUs }, derived: "the machine's cores"},
	{usage: "default CPU-time limit of a task", field: func(c *Config) any { return &c.Runtime.Limits.CPUTime }},
	{usage: "default bound of a task's output and result, each, in bytes", field: func(c *Config) any { return &c.Runtime.Limits.OutputBytes }},
	{usage: "largest wall-time limit a call may ask for", field: func(c *Config) any { return &c.Runtime.MaxLimits.WallTime }},
	{usage: "largest CPU-time limit a call may ask for", field: func(c *Config) any { return &c.Runtime.MaxLimits.CPUTime }},
	{usage: "largest memory limit a call may ask for, in MiB", field: func(c *Config) any { return &c.Runtime.MaxLimits.MemoryMB }},
	{usage: "largest output bound a call may ask for, in bytes", field: func(c *Config) any { return &c.Runtime.MaxLimits.OutputBytes }},
}

// setting is one line of settings.
type setting struct {
	// flag is the flag name; empty for a setting only the config file sets.
	flag string
	// usage says what the setting does, for --help.
	usage string
	// field returns a pointer to the setting's field in c.
	field func(c *Config) any
	// derived describes a default that setDefaults computes from the host or another setting,
	// shown in --help instead of this machine's value.
	derived string
}
