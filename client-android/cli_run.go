package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

const runUsage = `usage: mamoc run --site NAME=ws://HOST:PORT/ws [--site …] --source FILE.java [--resource FILE]
       [--params JSON-ARRAY] [--split none|auto|lines|range:FROM:TO] [--merge auto|sum|concat|min|max] [--timeout 60s]

Deploys the task in FILE.java on the sites (once per source hash and site), decides where it runs,
splits it when that pays, runs it with failover and prints JSON on stdout: "output", "shares" (per
site: chunks, share, exec_s, failures, status), "failovers", "wall_s" and "decision". A site that
is one of several server nodes joined to one router is named with the node after '#':
--site b=ws://HOST:PORT/ws#b. --params are the constructor's leading parameters; for a range
split each chunk's from and to are appended.

flags:
`

// siteFlags collects repeated --site NAME=URL flags.
type siteFlags []SiteConfig

func (s *siteFlags) String() string { return fmt.Sprint(*s) }

func (s *siteFlags) Set(v string) error {
	name, url, ok := strings.Cut(v, "=")
	if !ok || name == "" || url == "" {
		return fmt.Errorf("site %q, want NAME=ws://HOST:PORT/ws", v)
	}
	cfg := SiteConfig{Name: name, URL: url}
	if u, node, ok := strings.Cut(url, "#"); ok {
		cfg.URL, cfg.Options.Node = u, node
	}
	*s = append(*s, cfg)
	return nil
}

// runRun implements "mamoc run".
func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("mamoc run", runUsage, stderr)
	var sites siteFlags
	fs.Var(&sites, "site", "a site as `NAME=URL` (repeatable; URL#NODE for a joined node)")
	source := fs.String("source", "", "Java source `file` of the task class (required)")
	resource := fs.String("resource", "", "`file` whose content is the task's resource")
	paramsJSON := fs.String("params", "[]", "constructor parameters as a JSON `array`")
	splitFlag := fs.String("split", "auto", "`mode`: none, auto, lines or range:FROM:TO")
	mergeFlag := fs.String("merge", "auto", "`merge` of the chunks' outputs: auto, sum, concat, min or max")
	timeout := fs.Duration("timeout", 60*time.Second, "deadline of the whole run")
	taskTimeout := fs.Duration("task-timeout", 0, "bound of one chunk's execution on a site (default the site's)")
	connect := fs.Duration("connect-timeout", 5*time.Second, "how long to wait for the sites to connect")
	authID := fs.String("authid", "", "ticket authentication `id` for every site")
	ticket := fs.String("ticket", "", "ticket for --authid")
	verbose := fs.Bool("v", false, "log to stderr")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	usageErr, fail := cliErrors("mamoc run", fs, stderr)
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case len(sites) == 0:
		return usageErr("at least one --site is required")
	case *source == "":
		return usageErr("--source is required")
	}
	split, err := ParseSplit(*splitFlag)
	if err != nil {
		return usageErr("%v", err)
	}
	merge, err := ParseMerge(*mergeFlag)
	if err != nil {
		return usageErr("%v", err)
	}
	params, err := parseParams(*paramsJSON)
	if err != nil {
		return usageErr("--params: %v", err)
	}
	src, err := os.ReadFile(*source)
	if err != nil {
		return fail(err)
	}
	job := Job{Source: string(src), Params: params, Split: split, Merge: merge, Timeout: *timeout, TaskTimeout: *taskTimeout}
	if *resource != "" {
		if job.Resource, err = os.ReadFile(*resource); err != nil {
			return fail(err)
		}
		job.ResourceName = baseName(*resource)
	}
	cfg := MultiConfig{}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	m, err := NewMulti(cfg)
	if err != nil {
		return fail(err)
	}
	defer func() { _ = m.Close() }()
	cctx, cancel := context.WithTimeout(ctx, *connect)
	var wg sync.WaitGroup
	errs := make([]error, len(sites))
	for i, s := range sites {
		s.Options.AuthID, s.Options.Ticket, s.Options.Logger = *authID, *ticket, cfg.Logger
		wg.Go(func() { errs[i] = m.AddSite(cctx, s) })
	}
	wg.Wait()
	cancel()
	for i, err := range errs {
		switch {
		case errors.Is(err, ErrBadArgument):
			return usageErr("--site %s: %v", sites[i].Name, err)
		case err != nil:
			_, _ = fmt.Fprintf(stderr, "mamoc run: site %s not reachable yet, going on without it: %v\n", sites[i].Name, err)
		}
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var mu sync.Mutex // guards bar
		var bar *progressbar.ProgressBar
		job.Progress = func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("chunks"),
					progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set(done)
		}
	}
	res, err := m.Run(ctx, job)
	if err != nil {
		if je, ok := errors.AsType[*JobError](err); ok && len(je.Result.Shares) > 0 {
			b, _ := json.Marshal(je.Result.Shares)
			return fail(fmt.Errorf("%w (shares %s, %d failovers)", err, b, je.Result.Failovers))
		}
		return fail(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return fail(err)
	}
	return 0
}

// parseParams reads a JSON array of parameters: integers become int64, other numbers float64.
func parseParams(s string) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("want a JSON array: %w", err)
	}
	for i, v := range raw {
		switch x := v.(type) {
		case json.Number:
			if n, err := x.Int64(); err == nil {
				raw[i] = n
			} else if f, err := x.Float64(); err == nil {
				raw[i] = f
			}
		case nil, bool, string:
		default:
			return nil, fmt.Errorf("parameter %d is %T, want a number, string or boolean", i, v)
		}
	}
	return raw, nil
}

// baseName returns the last element of a slash- or backslash-separated path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
