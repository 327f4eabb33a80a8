package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// testSite is one in-process mamoc-server for the multisite tests.
type testSite struct {
	t      testing.TB
	name   string
	cfg    server.Config
	srv    *server.Server
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startSite starts a server named name on 127.0.0.1 (addr "" picks a port); mod adjusts its config.
func startSite(t testing.TB, name, addr, dataDir string, mod func(*server.Config)) *testSite {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	cfg := server.Config{DataDir: dataDir, Listen: addr, RawSocketListen: "off", StatsInterval: time.Second, SiteName: name,
		Router:          router.Config{Users: []router.User{edgeUser}},
		ShutdownTimeout: time.Millisecond,
		Runtime:         unikernel.Config{MaxInstances: 3, MaxConcurrent: 2, MaxPerApp: 2, MinWarm: -1, Spare: 0},
		Logger:          slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if mod != nil {
		mod(&cfg)
	}
	s := &testSite{t: t, name: name, cfg: cfg, done: make(chan error, 1)}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New(%s): %v", name, err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatalf("Listen(%s): %v", name, err)
	}
	s.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-s.done:
		t.Fatalf("site %s: Run = %v before ready", name, err)
	case <-time.After(2 * time.Minute):
		t.Fatalf("site %s not ready within 2 minutes", name)
	}
	t.Cleanup(s.stop)
	return s
}

// edgeUser is the account joined nodes use.
var edgeUser = router.User{AuthID: "edge1", Role: router.RoleEdge, Ticket: "edge-ticket"}

// joinSite starts a server node named name joined to the router of site to.
func joinSite(t *testing.T, name string, to *testSite) *testSite {
	return startSite(t, name, "", "", func(c *server.Config) {
		c.Join, c.JoinAuthID, c.JoinTicket = to.url(), edgeUser.AuthID, edgeUser.Ticket
	})
}

// config is the SDK's configuration of the site.
func (s *testSite) config() client.SiteConfig {
	if s.cfg.Join != "" {
		return client.SiteConfig{Name: s.name, URL: s.cfg.Join, Options: client.Options{Node: s.name}}
	}
	return client.SiteConfig{Name: s.name, URL: s.url()}
}

// url is the site's WebSocket URL.
func (s *testSite) url() string { return "ws://" + s.srv.Addr().String() + "/ws" }

// stop stops the server, cancelling its running tasks; it is safe to call more than once.
func (s *testSite) stop() {
	s.once.Do(func() {
		s.cancel()
		if err := <-s.done; !errors.Is(err, server.ErrServerClosed) {
			s.t.Errorf("site %s: Run = %v, want ErrServerClosed", s.name, err)
		}
		_ = s.srv.Close()
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newMulti returns a Multi with sites, connected.
func newMulti(t *testing.T, sites ...*testSite) *client.Multi {
	t.Helper()
	m, err := client.NewMulti(client.MultiConfig{ReconnectMin: 50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, s := range sites {
		if err := m.AddSite(ctx, s.config()); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// countPrimes is the local runner of Primes: the primes in [params[0], params[1]).
func countPrimes(_ context.Context, params []any, _ []byte) (string, error) {
	from, to := toInt(params[0]), toInt(params[1])
	n := 0
	for x := max(from, 2); x < to; x++ {
		prime := true
		for d := 2; d*d <= x; d++ {
			if x%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			n++
		}
	}
	return fmt.Sprint(n), nil
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	}
	panic(fmt.Sprintf("param %T", v))
}

func shareOf(res client.JobResult, site string) client.SiteShare {
	for _, s := range res.Shares {
		if s.Site == site {
			return s
		}
	}
	return client.SiteShare{}
}

// TestMultisiteSplit: three sites, two with their own router and one node joined to one of them:
// range and line splits across them give exactly the single-site answer, and a small task stays on
// one site once its time is known.
func TestMultisiteSplit(t *testing.T) {
	a := startSite(t, "a", "", "", nil)
	b := startSite(t, "b", "", "", nil)
	c := joinSite(t, "c", a)
	m := newMulti(t, a, b, c)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	t.Run("site list", func(t *testing.T) {
		cl, err := client.Dial(ctx, a.url(), client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cl.Close() }()
		deadline := time.Now().Add(20 * time.Second)
		for {
			sites, err := cl.SiteList(ctx)
			var names []string
			for _, s := range sites {
				names = append(names, s.Name+":"+string(s.Kind))
			}
			if err == nil && strings.Join(names, ",") == "a:edge,c:edge" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("SiteList on a's router = %v, %v; want a:edge,c:edge", names, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	primes := readFile(t, "testdata/Primes.java")
	text := strings.Repeat(readFile(t, "../examples/testdata/small.txt"), 20)

	for _, tc := range []struct {
		name     string
		job      client.Job
		output   string
		split    string
		minSites int // the first split of a task has no history: every site takes part
	}{
		{"range", client.Job{Source: primes, Split: client.Split{Mode: client.SplitRange, From: 0, To: 600_000}}, "49098", "range:0:600000", 3},
		// Primes is known to be quick by now: split or not, the answer is the same.
		{"auto range", client.Job{Source: primes, Params: []any{100, 300_000}}, "", "range:100:300000", 1},
		{"lines", client.Job{Source: readFile(t, "../examples/kmp/KMP.java"), Params: []any{"the"}, Resource: []byte(text), Split: client.Split{Mode: client.SplitLines}, Merge: client.MergeSum}, "", "lines", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Run(ctx, tc.job)
			if err != nil {
				t.Fatalf("Run(%s) = %v", tc.name, err)
			}
			single := tc.job
			single.Split = client.Split{Mode: client.SplitNone}
			if tc.job.Split.Mode == client.SplitRange {
				single.Params = append(single.Params, tc.job.Split.From, tc.job.Split.To)
			}
			want, err := m.Run(ctx, single)
			if err != nil || len(want.Shares) != 1 {
				t.Fatalf("Run(%s, split none) = %+v, %v; want one site", tc.name, want, err)
			}
			if tc.output != "" && want.Output != tc.output {
				t.Fatalf("Run(%s, split none) = %q, want %q", tc.name, want.Output, tc.output)
			}
			if got.Output != want.Output {
				t.Errorf("Run(%s) output = %q, want the single-site %q", tc.name, got.Output, want.Output)
			}
			if got.Split != tc.split || len(got.Shares) < tc.minSites || (tc.minSites > 1 && got.Chunks < 4) || got.Failovers != 0 {
				t.Errorf("Run(%s) = split %s, %d chunks, shares %+v, %d failovers; want split %s, ≥ %d sites, no failover", tc.name, got.Split, got.Chunks, got.Shares, got.Failovers, tc.split, tc.minSites)
			}
		})
	}

	// The lines runs above sent the resource whole, by hash, at most once to each site: no site
	// stores a piece of it (one per chunk, as when each chunk's lines were its own resource).
	t.Run("lines upload the resource once per site", func(t *testing.T) {
		holders := 0
		for _, s := range []*testSite{a, b, c} {
			whole, pieces := 0, 0
			err := filepath.WalkDir(s.cfg.DataDir, func(path string, e fs.DirEntry, err error) error {
				if err != nil || e.IsDir() {
					return err
				}
				data, err := os.ReadFile(path)
				switch {
				case err != nil:
					return err
				case string(data) == text:
					whole++
				case len(data) > 0 && strings.Contains(text, string(data)):
					pieces++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if whole > 1 || pieces > 0 {
				t.Errorf("site %s stores the resource %d times and %d pieces of it, want at most once and no piece", s.name, whole, pieces)
			}
			holders += whole
		}
		if holders < 2 {
			t.Errorf("%d sites hold the resource, want ≥ 2 (the lines split ran on 3)", holders)
		}
	})

	t.Run("small task stays on one site", func(t *testing.T) {
		job := client.Job{Source: primes, Split: client.Split{Mode: client.SplitRange, From: 0, To: 2000}}
		const runs = 5 // the first runs may meet cold instances
		for i := range runs {
			res, err := m.Run(ctx, job)
			if err != nil || res.Output != "303" {
				t.Fatalf("Run #%d = %+v, %v; want 303", i, res, err)
			}
			if i == runs-1 && (len(res.Shares) != 1 || res.Chunks != 1) {
				t.Errorf("Run #%d = %d chunks on %+v, want one chunk on one site (%s)", i, res.Chunks, res.Shares, res.Decision.Reason)
			}
		}
	})
}

// TestMultisiteSlowSite: a site with a tenth of a core gets less of the work.
func TestMultisiteSlowSite(t *testing.T) {
	fast := startSite(t, "fast", "", "", nil)
	slow := startSite(t, "slow", "", "", func(c *server.Config) { c.Runtime.InstanceCPUs = 0.1 })
	m := newMulti(t, fast, slow)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	res, err := m.Run(ctx, client.Job{Source: readFile(t, "testdata/Primes.java"), Split: client.Split{Mode: client.SplitRange, From: 0, To: 1_500_000}})
	if err != nil || res.Output != "114155" {
		t.Fatalf("Run = %+v, %v; want 114155", res, err)
	}
	if f, s := shareOf(res, "fast"), shareOf(res, "slow"); !(s.Share < f.Share) {
		t.Errorf("shares fast %+v, slow %+v; want the slow site to do less", f, s)
	}
}

// TestMultisiteFailover: a site killed in the middle of a job: its chunks run elsewhere and the
// output is right.
func TestMultisiteFailover(t *testing.T) {
	a := startSite(t, "a", "", "", nil)
	b := startSite(t, "b", "", "", nil)
	m := newMulti(t, a, b)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var kill sync.Once
	killed := make(chan struct{})
	res, err := m.Run(ctx, client.Job{Source: readFile(t, "testdata/Primes.java"), Split: client.Split{Mode: client.SplitRange, From: 0, To: 1_500_000},
		Progress: func(done, total int) {
			kill.Do(func() { go func() { b.stop(); close(killed) }() })
		}})
	<-killed
	if err != nil || res.Output != "114155" {
		t.Fatalf("Run with b killed = %+v, %v; want 114155", res, err)
	}
	if res.Failovers < 1 || shareOf(res, "b").Failures < 1 {
		t.Errorf("Run with b killed: %d failovers, shares %+v; want ≥ 1 failover and a failure on b", res.Failovers, res.Shares)
	}
	t.Logf("failover: %d chunks, %d failovers, shares %+v", res.Chunks, res.Failovers, res.Shares)
}

// TestMultisiteAllDown: with every site down a job fails with ErrNoSite, or runs on the phone
// when it has a local runner.
func TestMultisiteAllDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/ws"
	_ = ln.Close()
	m, err := client.NewMulti(client.MultiConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	actx, acancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	if err := m.AddSite(actx, client.SiteConfig{Name: "gone", URL: url}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AddSite(down) = %v, want a deadline error", err)
	}
	acancel()
	job := client.Job{Source: readFile(t, "testdata/Primes.java"), Split: client.Split{Mode: client.SplitRange, From: 0, To: 2000}}
	_, err = m.Run(t.Context(), job)
	if je, ok := errors.AsType[*client.JobError](err); !errors.Is(err, client.ErrNoSite) || !ok {
		t.Errorf("Run with every site down = %v (%T), want a JobError with ErrNoSite", err, je)
	}
	job.Local = countPrimes
	res, err := m.Run(t.Context(), job)
	if err != nil || res.Output != "303" || shareOf(res, "local").Chunks < 1 {
		t.Errorf("Run with every site down and a local runner = %+v, %v; want 303 from local", res, err)
	}
}

// TestMultisiteDeadline: a job past its deadline fails with ErrDeadline and the breakdown.
func TestMultisiteDeadline(t *testing.T) {
	a := startSite(t, "a", "", "", nil)
	m := newMulti(t, a)
	job := client.Job{Source: readFile(t, "testdata/Primes.java"), Params: []any{0, 100}, Split: client.Split{Mode: client.SplitNone}}
	if _, err := m.Run(t.Context(), job); err != nil { // deploys
		t.Fatal(err)
	}
	job.Params, job.Timeout = []any{0, 50_000_000}, 3*time.Second
	start := time.Now()
	res, err := m.Run(t.Context(), job)
	je, ok := errors.AsType[*client.JobError](err)
	if !errors.Is(err, client.ErrDeadline) || !errors.Is(err, client.ErrTimeout) || !ok {
		t.Fatalf("Run past its deadline = %+v, %v; want a JobError with ErrDeadline", res, err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("Run past a 3 s deadline returned after %s", took)
	}
	if len(je.Result.Shares) != 1 || je.Result.Shares[0].Site != "a" || je.Result.Decision.Target != "a" {
		t.Errorf("deadline breakdown = %+v, want site a with its decision", je.Result)
	}
}

// TestMultisiteReconnect: a site restarted on the same address is reconnected by the SDK and the
// next job runs on it.
func TestMultisiteReconnect(t *testing.T) {
	data := t.TempDir()
	a := startSite(t, "a", "", data, nil)
	addr := a.srv.Addr().String()
	m := newMulti(t, a)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	job := client.Job{Source: readFile(t, "testdata/Primes.java"), Params: []any{0, 2000}, Split: client.Split{Mode: client.SplitNone}}
	if res, err := m.Run(ctx, job); err != nil || res.Output != "303" {
		t.Fatalf("Run before restart = %+v, %v", res, err)
	}
	a.stop()
	if _, err := m.Run(ctx, job); !errors.Is(err, client.ErrNoSite) {
		t.Errorf("Run while the only site is down = %v, want ErrNoSite", err)
	}
	startSite(t, "a", addr, data, nil)
	deadline := time.Now().Add(time.Minute)
	for !m.Sites()[0].Connected {
		if time.Now().After(deadline) {
			t.Fatal("site a not reconnected within a minute of its restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := m.Run(ctx, job)
	if err != nil || res.Output != "303" || shareOf(res, "a").Chunks != 1 {
		t.Errorf("Run after restart = %+v, %v; want 303 on a", res, err)
	}
}

// TestRunCLIUsage: mamoc run refuses bad flags with exit code 2 and a message on stderr.
func TestRunCLIUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no site", []string{"--source", "x.java"}, "at least one --site"},
		{"bad site", []string{"--site", "a", "--source", "x.java"}, "want NAME=ws://"},
		{"bad site name", []string{"--site", "a.b=ws://127.0.0.1:1/ws", "--source", "testdata/Primes.java"}, "site name"},
		{"no source", []string{"--site", "a=ws://127.0.0.1:1/ws"}, "--source is required"},
		{"bad split", []string{"--site", "a=ws://127.0.0.1:1/ws", "--source", "x.java", "--split", "range:5:1"}, "range:FROM:TO"},
		{"bad merge", []string{"--site", "a=ws://127.0.0.1:1/ws", "--source", "x.java", "--merge", "avg"}, "want auto, sum"},
		{"bad params", []string{"--site", "a=ws://127.0.0.1:1/ws", "--source", "x.java", "--params", "{}"}, "JSON array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := client.Main(t.Context(), append([]string{"run"}, tc.args...), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.want) || stdout.Len() > 0 {
				t.Errorf("mamoc run %q = exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, stderr.String(), tc.want)
			}
		})
	}
}

// TestRunCLI: mamoc run over two sites prints the merged output and the per-site breakdown as
// JSON; with every site down it fails with exit code 1.
func TestRunCLI(t *testing.T) {
	a := startSite(t, "a", "", "", nil)
	b := startSite(t, "b", "", "", nil)
	var stdout, stderr strings.Builder
	args := []string{"run", "--site", "a=" + a.url(), "--site", "b=" + b.url(), "--source", "testdata/Primes.java",
		"--split", "range:0:300000", "--merge", "sum", "--timeout", "2m"}
	if code := client.Main(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("mamoc run = exit %d, stderr %s", code, stderr.String())
	}
	var out struct {
		Output string `json:"output"`
		Shares []struct {
			Site   string  `json:"site"`
			Chunks int     `json:"chunks"`
			Share  float64 `json:"share"`
			ExecS  float64 `json:"exec_s"`
			Status string  `json:"status"`
		} `json:"shares"`
		Failovers int             `json:"failovers"`
		WallS     float64         `json:"wall_s"`
		Decision  json.RawMessage `json:"decision"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &out); err != nil {
		t.Fatalf("mamoc run stdout %q: %v", stdout.String(), err)
	}
	total := 0.0
	for _, s := range out.Shares {
		total += s.Share
	}
	if out.Output != "25997" || len(out.Shares) != 2 || out.Shares[0].Status != "ok" || math.Abs(total-1) > 1e-9 || out.WallS <= 0 || len(out.Decision) < 10 {
		t.Errorf("mamoc run = %s, want output 25997 from both sites", stdout.String())
	}
	a.stop()
	b.stop()
	stdout.Reset()
	stderr.Reset()
	args = append(args[:len(args)-2], "--timeout", "5s", "--connect-timeout", "200ms")
	if code := client.Main(t.Context(), args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no site") {
		t.Errorf("mamoc run with every site down = exit %d, stderr %q; want exit 1 and no site", code, stderr.String())
	}
}

// TestMultiFailingSite: a site that fails every attempt (here: it never finds the task) fails the
// job at once with ErrNoSite and its failures in the breakdown, not at the deadline; with a local
// runner the phone runs the job.
func TestMultiFailingSite(t *testing.T) {
	url, stop := exampleServer()
	defer stop()
	m, err := client.NewMulti(client.MultiConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	if err := m.AddSite(t.Context(), client.SiteConfig{Name: "a", URL: url}); err != nil {
		t.Fatal(err)
	}
	job := client.Job{Source: "package test;\npublic class Missing { public Missing(int from, int to) {} public int run() { return 0; } }",
		Split: client.Split{Mode: client.SplitNone}, Params: []any{0, 10}, Timeout: time.Minute}
	start := time.Now()
	_, err = m.Run(t.Context(), job)
	je, ok := errors.AsType[*client.JobError](err)
	if !errors.Is(err, client.ErrNoSite) || !ok || time.Since(start) > 10*time.Second || shareOf(je.Result, "a").Failures < 1 {
		t.Errorf("Run on a failing site = %v after %s, want ErrNoSite at once with a's failures", err, time.Since(start))
	}
	job.Local = countPrimes
	res, err := m.Run(t.Context(), job)
	if err != nil || res.Output != "4" || shareOf(res, "local").Chunks != 1 || res.Failovers != 1 {
		t.Errorf("Run on a failing site with a local runner = %+v, %v; want 4 from local after a failover", res, err)
	}
}
