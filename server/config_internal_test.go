package server

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// loadWith runs LoadConfig with a config file holding file (none when empty), the environment
// env and the arguments args.
func loadWith(t *testing.T, file string, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	if file != "" {
		path := filepath.Join(t.TempDir(), "mamoc.json")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	return LoadConfig(args, func(k string) string { return env[k] }, io.Discard)
}

// sample is a value unlike the default for a field of the type of p: as JSON for the file and
// as text for a flag or the environment.
func sample(t *testing.T, p any) (fileValue any, text string) {
	t.Helper()
	switch p.(type) {
	case *string:
		return "sample", "sample"
	case *bool:
		return true, "true"
	case *int, *int64:
		return 3, "3"
	case *float64:
		return 0.5, "0.5"
	case *time.Duration:
		return Duration(7 * time.Second), "7s"
	case *[]string:
		return []string{"a", "b"}, "a,b"
	case *slog.Level:
		return slog.LevelDebug, "debug"
	}
	t.Fatalf("no sample for %T", p)
	return nil, ""
}

// TestEveryFlagSettableFromFile walks the flag set: each flag, set in the config file under
// its snake_case name at the top level, in the environment as MAMOC_<FLAG> and on the command
// line, gives the same configuration, which differs from the default one.
func TestEveryFlagSettableFromFile(t *testing.T) {
	var cfg Config
	sc := newSchema(&cfg)
	n := 0
	newFlagSet(sc, io.Discard).VisitAll(func(f *flag.Flag) {
		if f.Name == "config" {
			return
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			key := strings.ReplaceAll(f.Name, "-", "_")
			b := sc.keys[key]
			if b == nil {
				t.Fatalf("flag --%s has no top-level config key %q", f.Name, key)
			}
			fileValue, text := sample(t, b.field.Addr().Interface())
			js, err := json.Marshal(map[string]any{key: fileValue})
			if err != nil {
				t.Fatal(err)
			}
			fromFile, err := loadWith(t, string(js), nil)
			if err != nil {
				t.Fatalf("LoadConfig(file %s) error %v", js, err)
			}
			fromEnv, err := loadWith(t, "", map[string]string{"MAMOC_" + strings.ToUpper(key): text})
			if err != nil {
				t.Fatalf("LoadConfig(env MAMOC_%s=%s) error %v", strings.ToUpper(key), text, err)
			}
			fromFlag, err := loadWith(t, "", nil, "--"+f.Name+"="+text)
			if err != nil {
				t.Fatalf("LoadConfig(--%s=%s) error %v", f.Name, text, err)
			}
			if reflect.DeepEqual(fromFlag, Config{}) {
				t.Fatalf("LoadConfig(--%s=%s) = the zero Config, want the setting changed", f.Name, text)
			}
			if !reflect.DeepEqual(fromFile, fromFlag) {
				t.Errorf("LoadConfig(file %s) = %+v, want %+v (as --%s=%s)", js, fromFile, fromFlag, f.Name, text)
			}
			if !reflect.DeepEqual(fromEnv, fromFlag) {
				t.Errorf("LoadConfig(env MAMOC_%s=%s) = %+v, want %+v", strings.ToUpper(key), text, fromEnv, fromFlag)
			}
		})
	})
	if n < 25 {
		t.Errorf("flag set has %d flags, want the 25 or more of settings", n)
	}
}

// TestSettingsCoverConfig checks that every JSON field of Config has exactly one line in
// settings, and that every setting is in --help with its default.
func TestSettingsCoverConfig(t *testing.T) {
	sc := newSchema(&Config{})
	if len(sc.unbound) > 0 {
		t.Errorf("Config fields without a line in settings: %v", sc.unbound)
	}
	seen := map[string]bool{}
	var help strings.Builder
	writeUsage(&help)
	for _, b := range sc.bindings {
		if seen[b.key] {
			t.Errorf("config key %s is set by two settings", b.key)
		}
		seen[b.key] = true
		name := b.key
		if b.flag != "" {
			name = "--" + b.flag
		}
		if !strings.Contains(help.String(), "\n  "+name+" ") && !strings.Contains(help.String(), "\n  "+name+"\n") {
			t.Errorf("--help lacks %s", name)
		}
	}
	if got, want := strings.Count(help.String(), "(default "), len(sc.bindings); got != want {
		t.Errorf("--help has %d defaults, want %d (one per setting)", got, want)
	}
}

func TestConfigFileUnknownKey(t *testing.T) {
	tests := []struct{ file, want string }{
		{"{\n  \"task_timout\": \"5s\"\n}", ":2:3: unknown key task_timout: did you mean task_timeout?"},
		{`{"max_concurent": 2}`, "unknown key max_concurent: did you mean max_concurrent?"},
		{`{"loglevel": "debug"}`, "unknown key loglevel: did you mean log_level?"},
		{`{"router": {"realm": "r"}}`, "unknown key router.realm: did you mean realm? (settings with a flag are top-level keys)"},
		{`{"router": {"disable_anonymous": true}}`, "unknown key router.disable_anonymous: did you mean disable_anonymous?"},
		{`{"runtime": {"limits": {"wall_time": "5s"}}}`, "unknown key runtime.limits.wall_time: did you mean task_timeout?"},
		{`{"runtime": {"max_concurent": 2}}`, "unknown key runtime.max_concurent: did you mean max_concurrent?"},
		{`{"router": {"keep_alvie": "5s"}}`, "unknown key router.keep_alvie: did you mean router.keep_alive?"},
		{`{"runtime": {"min_wram": 1}}`, "unknown key runtime.min_wram: did you mean runtime.min_warm?"},
		{`{"users": []}`, "unknown key users: did you mean router.users?"},
		{`{"idle_timeout": "1m"}`, "unknown key idle_timeout: did you mean runtime.idle_timeout?"},
		{`{"router": {"users": [{"authid": "a", "rol": "edge"}]}}`, "unknown key router.users[0].rol: did you mean role?"},
		{`{"bogus": 1}`, "unknown key bogus (mamoc-server --help lists the keys)"},
	}
	for _, tc := range tests {
		_, err := loadWith(t, tc.file, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadConfig(%s) error = %v, want it to contain %q", tc.file, err, tc.want)
		}
	}
}

func TestConfigFileSyntaxAndTypeErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"{\n  \"listen\": \":1\",\n  \"realm\": \"r\",,\n}", ".json:3:16: invalid character ','"},
		{`{"listen": ":1",}`, ".json:1:17: invalid character '}'"},
		{"{\n\"listen\": \":1\"", ".json:2:15: unexpected end of JSON input"},
		{`[1]`, ".json:1:1: the config file must be a JSON object"},
		{`{"max_instances": "8"}`, ".json:1:19: max_instances: want an integer, got string"},
		{`{"disable_anonymous": 1}`, "disable_anonymous: want true or false, got number"},
		{`{"task_timeout": 30}`, `task_timeout: want a duration string such as "30s", got 30`},
		{`{"task_timeout": "30x"}`, `task_timeout: want a duration such as "30s"`},
		{`{"log_level": "loud"}`, `log_level: slog: level string "loud"`},
		{`{"log_level": 1}`, `log_level: want a string`},
		{`{"router": 3}`, ".json:1:12: router must be a JSON object"},
		{`{"router": {"users": {}}}`, "router.users: want a list"},
		{`{"router": {"users": [{"authid": 7}]}}`, "router.users[0].authid: want a string, got number"},
	}
	for _, tc := range tests {
		_, err := loadWith(t, tc.file, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadConfig(%s) error = %v, want it to contain %q", tc.file, err, tc.want)
		}
	}
}

func TestConfigFileNestedSettings(t *testing.T) {
	cfg, err := loadWith(t, `{"site_kind": "cloud", "gc_interval": "2h", "log_level": "warn",
		"router": {"keep_alive": "-1s", "users": [{"authid": "e", "role": "edge", "ticket": "t"}]},
		"runtime": {"min_warm": 2, "limits": {"cpu_time": "90s"}, "max_limits": {"memory_mb": 512}}}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"site_kind", cfg.SiteKind, "cloud"},
		{"gc_interval", cfg.GCInterval, 2 * time.Hour},
		{"log_level", cfg.LogLevel, slog.LevelWarn},
		{"router.keep_alive", cfg.Router.KeepAlive, -time.Second},
		{"router.users", fmt.Sprint(cfg.Router.Users), "[{e edge t }]"},
		{"runtime.min_warm", cfg.Runtime.MinWarm, 2},
		{"runtime.limits.cpu_time", cfg.Runtime.Limits.CPUTime, 90 * time.Second},
		{"runtime.max_limits.memory_mb", cfg.Runtime.MaxLimits.MemoryMB, 512},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("LoadConfig %s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestDurationRoundTrip(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, `"0s"`},
		{30 * time.Second, `"30s"`},
		{90 * time.Second, `"1m30s"`},
		{5 * time.Minute, `"5m"`},
		{time.Hour, `"1h"`},
		{90 * time.Minute, `"1h30m"`},
		{1500 * time.Millisecond, `"1.5s"`},
		{-time.Second, `"-1s"`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(Duration(tc.d))
		if err != nil || string(b) != tc.want {
			t.Errorf("json.Marshal(Duration(%v)) = %s, %v, want %s", tc.d, b, err, tc.want)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil || time.Duration(back) != tc.d {
			t.Errorf("json.Unmarshal(%s) = %v, %v, want %v", b, time.Duration(back), err, tc.d)
		}
	}
}

func TestHelpListsSettings(t *testing.T) {
	var out strings.Builder
	_, err := LoadConfig([]string{"--help"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("LoadConfig(--help) error = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"--task-timeout duration", "default wall-time limit of a task (default 30s)", "router.keep_alive duration", "(default 5m)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("LoadConfig(--help) output lacks %q:\n%s", want, out.String())
		}
	}
}
