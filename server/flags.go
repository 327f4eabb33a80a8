package server

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// LoadConfig builds the configuration from the embedded defaults, an optional JSON config
// file (--config or MAMOC_CONFIG), MAMOC_* environment variables and command-line flags, each
// overriding the one before. getenv is os.Getenv in production. With --help it writes the
// usage of every setting with its default to out and returns flag.ErrHelp.
func LoadConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var cfg Config
	path := getenv("MAMOC_CONFIG")
	for i, a := range args {
		switch {
		case a == "--config" || a == "-config":
			if i+1 < len(args) {
				path = args[i+1]
			}
		case strings.HasPrefix(a, "--config="), strings.HasPrefix(a, "-config="):
			path = a[strings.Index(a, "=")+1:]
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config file: %w", err)
		}
		b, err = durationsToNanos(b)
		if err != nil {
			return cfg, fmt.Errorf("parse config file %s: %w", path, err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("parse config file %s: %w", path, err)
		}
	}
	defaults := Config{}
	defaults.setDefaults()
	defaults.ServerID = "the host name"

	fs := flag.NewFlagSet("mamoc-server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.String("config", "", "JSON config file with the settings below in snake_case, plus router.users (env MAMOC_CONFIG)")
	str := func(p *string, name, def, usage string) { fs.StringVar(p, name, *p, usage+" (default "+def+")") }
	str(&cfg.DataDir, "data-dir", defaults.DataDir, "directory of the SQLite repository and blob store")
	str(&cfg.Listen, "listen", defaults.Listen, "HTTP address: WebSocket at /ws, HTTP API at /api")
	str(&cfg.RawSocketListen, "rawsocket-listen", defaults.RawSocketListen, `WAMP RawSocket TCP address, "off" to disable`)
	str(&cfg.TLSCert, "tls-cert", "none", "PEM certificate; with --tls-key both listeners use TLS")
	str(&cfg.TLSKey, "tls-key", "none", "PEM private key")
	fs.DurationVar(&cfg.StatsInterval, "stats-interval", cfg.StatsInterval, "period of the stats event (default 5s)")
	str(&cfg.ServerID, "server-id", defaults.ServerID, "name of this node in stats and execution records")
	fs.BoolVar(&cfg.RouterOnly, "router-only", cfg.RouterOnly, "run only the router, for server nodes that join it (default false)")
	str(&cfg.Join, "join", "none", "WebSocket URL of a remote mamoc router to join instead of embedding one")
	str(&cfg.JoinAuthID, "join-authid", "none", "edge authid for --join (ticket authentication)")
	str(&cfg.JoinTicket, "join-ticket", "none", "edge ticket for --join")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "time running work may take to finish at shutdown (default 10s)")
	str(&cfg.Router.Realm, "realm", defaults.Router.Realm, "WAMP realm")
	fs.IntVar(&cfg.Router.MaxMessageSize, "max-message-size", cfg.Router.MaxMessageSize, "largest inbound WAMP message in bytes (default 16777216)")
	fs.BoolVar(&cfg.Router.DisableAnonymous, "disable-anonymous", cfg.Router.DisableAnonymous,
		"refuse unauthenticated sessions; by default they are allowed with role phone (default false)")
	fs.Var(&listFlag{&cfg.Router.AllowedOrigins}, "allowed-origins", "comma-separated WebSocket Origin globs to accept (default none)")
	fs.Var(&listFlag{&cfg.Router.RefactorRoles}, "refactor-roles", "comma-separated roles besides admin that may upload APKs (default edge)")
	str(&cfg.Runtime.Driver, "driver", "process", "unikernel driver that runs tasks: process (bubblewrap sandbox) or gvisor (runsc sandbox)")
	str(&cfg.Runtime.ImageDir, "image-dir", "/var/cache/mamoc/images as root, else the user cache dir", "cache of built base images")
	fs.BoolVar(&cfg.Runtime.AllowWeakIsolation, "allow-weak-isolation", cfg.Runtime.AllowWeakIsolation,
		"start even when the host lacks an isolation feature (logged as a warning) (default false)")
	fs.DurationVar(&cfg.Runtime.Limits.WallTime, "task-timeout", cfg.Runtime.Limits.WallTime, "default wall-time limit of a task (default 30s)")
	fs.IntVar(&cfg.Runtime.Limits.MemoryMB, "task-memory-mb", cfg.Runtime.Limits.MemoryMB, "default memory limit of an instance in MiB (default 256)")
	fs.IntVar(&cfg.Runtime.MaxInstances, "max-instances", cfg.Runtime.MaxInstances, "most runtime instances at once (default 8)")
	fs.IntVar(&cfg.Runtime.MaxConcurrent, "max-concurrent", cfg.Runtime.MaxConcurrent, "most tasks running at once (default 4)")
	fs.IntVar(&cfg.Runtime.QueueLen, "queue-len", cfg.Runtime.QueueLen, "tasks that may wait; beyond it callers get mamoc.error.busy (default 64)")
	str(&cfg.ResourcesDir, "resources-dir", "<data-dir>/resources", "files offered to every task as resources (MAMoC's data/ folder)")
	var logLevel string
	fs.StringVar(&logLevel, "log-level", "", "log level: debug, info, warn or error (default info)")

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "MAMOC_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && f.Name != "config" {
			if err := fs.Set(f.Name, v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return cfg, envErr
	}
	fs.Usage = func() {
		_, _ = fmt.Fprintf(out, "usage: mamoc-server [flags]\n\nRuns the mamoc offloading server: the embedded WAMP router and the server manager.\n"+
			"Every flag can also be set as MAMOC_<FLAG> in the environment (e.g. MAMOC_DATA_DIR)\nor in the JSON --config file; flags override the environment, which overrides the file.\n\n")
		fs.PrintDefaults()
		_, _ = fmt.Fprint(out, configOnlyHelp)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if logLevel == "" {
		logLevel = "info"
	}
	lvl, err := parseLevel(logLevel)
	if err != nil {
		return cfg, err
	}
	cfg.logLevel = lvl
	return cfg, nil
}

// listFlag is a comma-separated list flag.
type listFlag struct{ p *[]string }

func (l *listFlag) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *listFlag) Set(v string) error {
	*l.p = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l.p = append(*l.p, s)
		}
	}
	return nil
}

var errBadLevel = errors.New("log level must be debug, info, warn or error")

// configOnlyHelp documents the settings that only the config file sets.
const configOnlyHelp = `
Settings only the JSON config file sets (zero or absent means the default; durations as "30s"):
  router.users               ticket and WAMP-CRA accounts: [{"authid", "role" (phone|edge|admin), "ticket", "secret"}] (default none)
  router.out_queue_size      messages queued to a client before events to it are dropped (default 256)
  router.keep_alive          WebSocket ping interval; negative disables (default 30s)
  router.auth_timeout        time to answer an authentication challenge (default 10s)
  site_kind                  this node in the repository's sites: edge or cloud (default edge)
  gc_interval                period of blob garbage collection; negative disables it (default 1h)
  max_source_bytes           largest Java source of one task (default 1048576)
  max_resource_bytes         largest resource (default 67108864)
  runtime.min_warm           idle instances kept per app once it has run (default 1)
  runtime.spare              booted instances not yet bound to an app (default 1)
  runtime.max_per_app        instances, and so concurrent calls, of one app (default 2)
  runtime.idle_timeout       idle instances above min_warm stop after this (default 5m)
  runtime.max_calls_per_instance  an instance is recycled after this many calls (default 100)
  runtime.boot_timeout       time to boot one instance (default 20s)
  runtime.compile_timeout    time to compile one source (default 60s)
  runtime.instance_cpus      CPU cores of one instance (default 1)
  runtime.limits             default per-task limits {wall_time 30s, cpu_time 60s, memory_mb 256, output_bytes 1048576}
  runtime.max_limits         bounds of per-call overrides {wall_time 5m, cpu_time 5m, memory_mb 1024, output_bytes 16777216}
  runtime.java_home          JDK that builds the base image (default $JAVA_HOME, else the javac on PATH)
`

// durationKeys are the config keys holding a time.Duration.
var durationKeys = map[string]bool{
	"stats_interval": true, "shutdown_timeout": true, "keep_alive": true, "auth_timeout": true,
	"idle_timeout": true, "gc_interval": true, "boot_timeout": true, "compile_timeout": true, "wall_time": true, "cpu_time": true,
}

// durationsToNanos lets the config file write durations as Go strings ("5s", "2m30s"): it
// turns them into the nanoseconds time.Duration decodes from.
func durationsToNanos(b []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	var walk func(any) error
	walk = func(x any) error {
		switch t := x.(type) {
		case map[string]any:
			for k, e := range t {
				if str, ok := e.(string); ok && durationKeys[k] {
					d, err := time.ParseDuration(str)
					if err != nil {
						return fmt.Errorf("%s: %w", k, err)
					}
					t[k] = int64(d)
					continue
				}
				if err := walk(e); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range t {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
