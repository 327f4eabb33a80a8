package server

import (
	"encoding"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// LoadConfig builds the configuration from the embedded defaults, an optional JSON config
// file (--config or MAMOC_CONFIG), MAMOC_* environment variables and command-line flags, each
// overriding the one before. getenv is os.Getenv in production. With --help it writes the
// usage of every setting with its default to out and returns flag.ErrHelp. The settings are
// listed once, in settings.
func LoadConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var cfg Config
	sc := newSchema(&cfg)
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
		if err := sc.decodeFile(path, b); err != nil {
			return cfg, fmt.Errorf("config file %w", err)
		}
	}
	fs := newFlagSet(sc, out)
	for _, b := range sc.bindings {
		if b.flag == "" {
			continue
		}
		if v := getenv(envName(b.flag)); v != "" {
			if err := fs.Set(b.flag, v); err != nil {
				return cfg, fmt.Errorf("%s: %w", envName(b.flag), err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, nil
}

// envName is the environment variable of a flag: MAMOC_DATA_DIR for data-dir.
func envName(flag string) string {
	return "MAMOC_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// newFlagSet defines a flag for every setting of sc that has one, bound to its field, and a
// usage generated from settings and the defaults.
func newFlagSet(sc *schema, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mamoc-server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.String("config", "", "JSON config file (env MAMOC_CONFIG)")
	for _, b := range sc.bindings {
		if b.flag == "" {
			continue
		}
		switch p := b.field.Addr().Interface().(type) {
		case *string:
			fs.StringVar(p, b.flag, *p, b.usage)
		case *bool:
			fs.BoolVar(p, b.flag, *p, b.usage)
		case *int:
			fs.IntVar(p, b.flag, *p, b.usage)
		case *int64:
			fs.Int64Var(p, b.flag, *p, b.usage)
		case *float64:
			fs.Float64Var(p, b.flag, *p, b.usage)
		case *time.Duration:
			fs.Var((*Duration)(p), b.flag, b.usage)
		case *[]string:
			fs.Var(listFlag{p}, b.flag, b.usage)
		case interface {
			encoding.TextUnmarshaler
			encoding.TextMarshaler
		}:
			fs.TextVar(p, b.flag, p, b.usage)
		default:
			panic(fmt.Sprintf("server: flag --%s has unsupported type %T", b.flag, p))
		}
	}
	fs.Usage = func() { writeUsage(out) }
	return fs
}

// writeUsage writes --help: every flag, then the settings only the config file sets, each with
// its default.
func writeUsage(out io.Writer) {
	var defaults Config
	defaults.setDefaults()
	defaults.Runtime = defaults.Runtime.WithDefaults()
	sc := newSchema(&defaults)
	var b strings.Builder
	b.WriteString(`usage: mamoc-server [flags]

Runs the mamoc offloading server: the embedded WAMP router and the server manager.

Every flag is also the environment variable MAMOC_<FLAG> (--data-dir: MAMOC_DATA_DIR) and the
top-level key <flag> in snake_case of the JSON --config file (--data-dir: "data_dir"). Flags
override the environment, which overrides the file. Durations are written "30s", "5m", "1h30m".

  --config file
    	JSON config file (env MAMOC_CONFIG)
`)
	for _, x := range sc.bindings {
		if x.flag != "" {
			writeSetting(&b, "--"+x.flag, x)
		}
	}
	b.WriteString("\nSettings only the config file sets (absent or zero means the default):\n")
	for _, x := range sc.bindings {
		if x.flag == "" {
			writeSetting(&b, x.key, x)
		}
	}
	_, _ = io.WriteString(out, b.String())
}

// writeSetting writes one entry of --help in the layout of flag.PrintDefaults.
func writeSetting(b *strings.Builder, name string, x *binding) {
	def := x.derived
	if def == "" {
		def = formatValue(x.field)
	}
	fmt.Fprintf(b, "  %s", name)
	if t := typeName(x.field.Type()); t != "" {
		fmt.Fprintf(b, " %s", t)
	}
	fmt.Fprintf(b, "\n    \t%s (default %s)\n", x.usage, def)
}

// typeName is the word --help shows for a value of type t; "" for a bool flag.
func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "duration"
	case t == reflect.TypeFor[slog.Level]():
		return "level"
	case t.Kind() == reflect.Bool:
		return ""
	case t.Kind() == reflect.Slice:
		return "list"
	case t.Kind() == reflect.Float64:
		return "float"
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return "int"
	}
	return t.Kind().String()
}

// formatValue writes a default for --help: durations in Go syntax, "none" for empty strings
// and lists.
func formatValue(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return Duration(x).String()
	case slog.Level:
		return strings.ToLower(x.String())
	case string:
		if x == "" {
			return "none"
		}
		return x
	case []string:
		if len(x) == 0 {
			return "none"
		}
		return strings.Join(x, ",")
	case bool:
		return strconv.FormatBool(x)
	}
	if v.Kind() == reflect.Slice && v.Len() == 0 {
		return "none"
	}
	return fmt.Sprint(v.Interface())
}

// listFlag is a comma-separated list flag.
type listFlag struct{ p *[]string }

func (l listFlag) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l listFlag) Set(v string) error {
	*l.p = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l.p = append(*l.p, s)
		}
	}
	return nil
}
