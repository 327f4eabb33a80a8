package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server"
	"github.com/mamoc-go/mamoc/server/api"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// logBuffer keeps a server's log for assertions and passes it on to t.Log.
type logBuffer struct {
	t   *testing.T
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// runServer starts Run without waiting for readiness; the test's end stops it.
func runServer(t *testing.T, cfg server.Config, logs io.Writer) *server.Server {
	srv, _ := runServerStop(t, cfg, logs)
	return srv
}

// runServerStop is runServer that also returns a function stopping the server early.
func runServerStop(t *testing.T, cfg server.Config, logs io.Writer) (*server.Server, func()) {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.RawSocketListen = "off"
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	r := launch(t, cfg, logs)
	return r.srv, r.stop
}

// launched is a server whose Run goes on in a goroutine until stop, which the test's end
// also calls.
type launched struct {
	srv   *server.Server
	ended chan struct{} // closed when Run returns
	err   error         // what Run returned; read only after ended is closed
	stop  func()        // cancels Run, checks it returned ErrServerClosed and closes srv; once
}

// launch creates a server from cfg logging to logs, opens its listeners and starts Run.
func launch(t *testing.T, cfg server.Config, logs io.Writer) *launched {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &launched{srv: srv, ended: make(chan struct{})}
	go func() {
		r.err = srv.Run(ctx)
		close(r.ended)
	}()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			<-r.ended
			if !errors.Is(r.err, server.ErrServerClosed) {
				t.Errorf("Run = %v, want ErrServerClosed", r.err)
			}
			_ = srv.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

func waitReady(t *testing.T, srv *server.Server) {
	t.Helper()
	select {
	case <-srv.Ready():
	case <-time.After(2 * time.Minute):
		t.Fatal("server not ready within 2 minutes")
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestReadinessFollowsImageBuild holds the base image's build lock, so the server waits in
// the image build: /livez is ok, /readyz is 503 naming the phase, a task call answers
// mamoc.error.unavailable. When the image appears and the lock is released, the server
// becomes ready and logs "listening" only then.
func TestReadinessFollowsImageBuild(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	im, err := unikernel.BuildImage(ctx, unikernel.DefaultImageDir(), os.Getenv("JAVA_HOME"))
	if err != nil {
		t.Fatalf("BuildImage: %v", err)
	}
	imageDir := t.TempDir()
	lock, err := os.OpenFile(filepath.Join(imageDir, im.Hash+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	unlocked := false
	defer func() {
		if !unlocked {
			_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		}
	}()

	logs := &logBuffer{t: t}
	srv := runServer(t, server.Config{StatsInterval: time.Hour, Runtime: unikernel.Config{ImageDir: imageDir, Spare: -1}}, logs)
	base := "http://" + srv.Addr().String()

	// Wait until the server is in the image build.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(logs.String(), "base image build started") {
		if time.Now().After(deadline) {
			t.Fatal("the server never started the image build")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := httpGet(t, base+"/livez"); code != 200 || body != "ok" {
		t.Errorf("GET /livez during build = %d %q, want 200 ok", code, body)
	}
	code, body := httpGet(t, base+"/readyz?verbose")
	if code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz during build = %d, want 503", code)
	}
	for _, want := range []string{"[+]repository ok", "[-]image failed", "[-]manager failed: building the base image", "readyz check failed"} {
		if !strings.Contains(body, want) {
			t.Errorf("/readyz?verbose during build lacks %q:\n%s", want, body)
		}
	}
	cl := dial(ctx, t, wsURL(srv), serialize.JSON, "", "")
	for _, proc := range []string{api.ProcTaskList, "uk.ac.standrews.cs.mamoc_demo.NQueens.Queens"} {
		_, err := cl.Call(ctx, proc, nil, nil, nil, nil)
		if got := rpcErrorURI(err); got != api.ErrUnavailable {
			t.Errorf("call %s during build: error %s, want %s", proc, got, api.ErrUnavailable)
		}
		if err != nil && !strings.Contains(err.Error(), "building the base image") {
			t.Errorf("call %s during build: %v, want the reason", proc, err)
		}
	}
	if strings.Contains(logs.String(), "msg=listening") {
		t.Error(`"listening" logged before the server is ready`)
	}

	// The image appears (as another builder would leave it) and the lock is released.
	if err := os.Symlink(im.Dir, filepath.Join(imageDir, im.Hash)); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	unlocked = true
	waitReady(t, srv)
	if code, body := httpGet(t, base+"/readyz"); code != 200 || body != "ok" {
		t.Errorf("GET /readyz after build = %d %q, want 200 ok", code, body)
	}
	if _, err := cl.Call(ctx, api.ProcTaskList, nil, nil, nil, nil); err != nil {
		t.Errorf("call %s when ready: %v", api.ProcTaskList, err)
	}
	log := logs.String()
	order := []string{"config loaded", "repository open", "base image build started", "base image build finished", "runtime ready", "msg=listening"}
	last := -1
	for _, m := range order {
		i := strings.Index(log, m)
		if i < 0 || i < last {
			t.Errorf("log line %q missing or out of order (want %v)", m, order)
		}
		last = i
	}
}

// scrape returns the server's metrics by name.
func scrape(t *testing.T, srv *server.Server) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := httpGet(t, "http://"+srv.Addr().String()+"/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics = %d", code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// metricValue sums the counter, gauge or histogram count of name over the series whose labels
// include want.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	var sum float64
next:
	for _, m := range f.GetMetric() {
		for k, v := range want {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// TestMetricsMoveWithTraffic scrapes, deploys and runs a task, and scrapes again.
func TestMetricsMoveWithTraffic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := offloadServer(t, nil)
	edge := edgeClient(ctx, t, srv)
	before := scrape(t, srv)

	if _, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": echoTask}, nil); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	res, err := edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": wamp.List{"x", 1}}, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	_, err = edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": wamp.List{"too few"}}, nil)
	if err == nil {
		t.Fatal("run with a missing parameter succeeded")
	}
	// Reading an execution commits the recorded ones first.
	if _, err := edge.Call(ctx, api.ProcExecutionGet, nil, nil, wamp.Dict{"id": res.ArgumentsKw["execution_id"]}, nil); err != nil {
		t.Fatalf("get execution: %v", err)
	}
	after := scrape(t, srv)

	tests := []struct {
		name   string
		labels map[string]string
		delta  float64 // at least
	}{
		{"mamoc_calls_total", map[string]string{"kind": "source", "status": "ok"}, 1},
		{"mamoc_call_duration_seconds", map[string]string{"kind": "source"}, 1},
		{"mamoc_call_queue_seconds", map[string]string{"kind": "source"}, 1},
		{"mamoc_call_exec_seconds", map[string]string{"kind": "source"}, 1},
		{"mamoc_deploys_total", map[string]string{"status": "compiled"}, 1},
		{"mamoc_repository_write_seconds", map[string]string{"op": "execution_commit"}, 1},
		{"mamoc_router_messages_total", map[string]string{"type": "call"}, 4},
		{"mamoc_instance_boots_total", nil, 0},
	}
	for _, tc := range tests {
		b, a := max(metricValue(before, tc.name, tc.labels), 0), metricValue(after, tc.name, tc.labels)
		if a < 0 {
			t.Errorf("%s%v missing after traffic", tc.name, tc.labels)
			continue
		}
		if a-b < tc.delta {
			t.Errorf("%s%v moved %v → %v, want at least +%v", tc.name, tc.labels, b, a, tc.delta)
		}
	}
	for _, name := range []string{"mamoc_instances", "mamoc_queue_length", "mamoc_router_sessions", "mamoc_jobs", "mamoc_ready",
		"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := after[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}
	if v := metricValue(after, "mamoc_router_sessions", nil); v < 2 {
		t.Errorf("mamoc_router_sessions = %v, want at least 2 (the manager and the edge client)", v)
	}
	// No label may carry unbounded values.
	for name, f := range after {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				switch lp.GetName() {
				case "session", "caller", "execution", "execution_id", "task", "authid", "instance":
					t.Errorf("metric %s has unbounded label %s", name, lp.GetName())
				}
			}
		}
	}
}

// TestFirstRunAdmin: with no admin configured the server makes user admin, writes its ticket
// alone to <data-dir>/admin.ticket (0600), logs the path but never the ticket, keeps the same
// ticket on the next start, and the ticket works for an upload. A configured admin
// suppresses it.
func TestFirstRunAdmin(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, server.AdminTicketFile)
	start := func() (*server.Server, func(), *logBuffer) {
		logs := &logBuffer{t: t}
		srv, stop := runServerStop(t, server.Config{DataDir: data, StatsInterval: time.Hour, Runtime: unikernel.Config{Spare: -1}}, logs)
		waitReady(t, srv)
		return srv, stop, logs
	}
	srv, stop, logs := start()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("admin ticket file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("admin ticket file mode = %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	ticket := strings.TrimSuffix(string(b), "\n")
	if ticket == "" || strings.ContainsAny(ticket, "\n \t") || !strings.HasSuffix(string(b), "\n") {
		t.Fatalf("admin ticket file = %q, want the ticket alone on one line", b)
	}
	if strings.Contains(logs.String(), ticket) {
		t.Error("the admin ticket appears in the log")
	}
	if !strings.Contains(logs.String(), path) {
		t.Error("the log does not name the admin ticket file")
	}

	apk, err := os.ReadFile("../refactor/testdata/fibonacci.apk")
	if err != nil {
		t.Fatal(err)
	}
	upload := func(srv *server.Server, authid, ticket string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr().String()+"/api/apps", bytes.NewReader(apk))
		if authid != "" {
			req.SetBasicAuth(authid, ticket)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := upload(srv, "admin", ticket); code != http.StatusAccepted {
		t.Errorf("upload as the first-run admin = %d %s, want 202", code, body)
	}
	code, body := upload(srv, "", "")
	if code != http.StatusUnauthorized || !strings.Contains(body, "admin.ticket") {
		t.Errorf("upload without credentials = %d %s, want 401 naming admin.ticket", code, body)
	}

	// The next start on the same data directory keeps the ticket: it is created once.
	stop()
	srv2, _, _ := start()
	if code, body := upload(srv2, "admin", ticket); code != http.StatusAccepted {
		t.Errorf("upload after a restart = %d %s, want 202", code, body)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Error("the admin ticket changed on the second start")
	}

	// An admin in the configuration suppresses the first-run admin.
	data3 := t.TempDir()
	logs3 := &logBuffer{t: t}
	srv3 := runServer(t, server.Config{DataDir: data3, StatsInterval: time.Hour, Runtime: unikernel.Config{Spare: -1},
		Router: router.Config{Users: []router.User{{AuthID: "ops", Role: router.RoleAdmin, Ticket: "ops-ticket"}}}}, logs3)
	waitReady(t, srv3)
	if _, err := os.Stat(filepath.Join(data3, server.AdminTicketFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("admin.ticket with an admin configured: stat = %v, want not exist", err)
	}
	if code, _ := upload(srv3, "admin", ticket); code != http.StatusUnauthorized {
		t.Errorf("upload as admin with an admin configured = %d, want 401", code)
	}
}

// TestExamplesOffloadResults runs the examples' offload variants (whose run() returns the
// result MAMoC's void tasks keep inside the server) through the mamoc API.
func TestExamplesOffloadResults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := offloadServer(t, nil)
	edge := edgeClient(ctx, t, srv)
	tests := []struct {
		file, task string
		params     wamp.List
		resource   string
		want       string
	}{
		{"nqueens/QueensCount.java", "mamoc.examples.nqueens.QueensCount", wamp.List{8}, "", "92"},
		{"fibonacci/FibonacciNumber.java", "mamoc.examples.fibonacci.FibonacciNumber", wamp.List{25}, "", "75025"},
		{"quicksort/QuickSortCount.java", "mamoc.examples.quicksort.QuickSortCount", nil, "small.txt", "40271"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "examples", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": string(src)}, nil); err != nil {
				t.Fatalf("deploy %s: %v", tt.file, err)
			}
			kw := wamp.Dict{"task": tt.task, "params": tt.params}
			if tt.resource != "" {
				kw["resource"] = tt.resource
			}
			res, err := edge.Call(ctx, api.ProcTaskRun, nil, nil, kw, nil)
			if err != nil {
				t.Fatalf("run %s: %v", tt.task, err)
			}
			if got := res.ArgumentsKw["output"]; got != tt.want {
				t.Errorf("run %s output = %v, want %s", tt.task, got, tt.want)
			}
		})
	}
}

// pathWithout returns a PATH directory holding links to every program on the current PATH
// but the named ones: a machine without those tools.
func pathWithout(t *testing.T, missing ...string) string {
	t.Helper()
	dir := t.TempDir()
	// The sandbox runs its helpers as another user: it must reach them.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	skip := map[string]bool{}
	for _, m := range missing {
		skip[m] = true
	}
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if skip[e.Name()] {
				continue
			}
			_ = os.Symlink(filepath.Join(d, e.Name()), filepath.Join(dir, e.Name())) // the first on PATH wins
		}
	}
	return dir
}

// TestMissingLinkToolReported runs the server on a machine without enjarify: it starts, says
// so at start and in /readyz?verbose while staying ready, and an APK job fails naming the
// package to install.
func TestMissingLinkToolReported(t *testing.T) {
	t.Setenv("PATH", pathWithout(t, "enjarify"))
	// Debian's enjarify module is hidden by one that is not there.
	fake := t.TempDir()
	if err := os.MkdirAll(filepath.Join(fake, "enjarify"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "enjarify", "__init__.py"),
		[]byte("raise ModuleNotFoundError(\"No module named 'enjarify'\", name='enjarify')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PYTHONPATH", fake)
	data := t.TempDir()
	logs := &logBuffer{t: t}
	srv := runServer(t, server.Config{DataDir: data, StatsInterval: time.Hour, Runtime: unikernel.Config{Spare: -1}}, logs)
	waitReady(t, srv)
	base := "http://" + srv.Addr().String()
	code, body := httpGet(t, base+"/readyz?verbose")
	if code != 200 || !strings.Contains(body, "[-]apk-linking failed (optional): APK uploads are analysed but not linked") ||
		!strings.Contains(body, "install the Debian package enjarify") {
		t.Errorf("/readyz?verbose without enjarify = %d:\n%s\nwant 200 with the capability missing", code, body)
	}
	if !strings.Contains(logs.String(), "capability missing") {
		t.Error("the start does not log the missing capability")
	}
	ticket, err := os.ReadFile(filepath.Join(data, server.AdminTicketFile))
	if err != nil {
		t.Fatal(err)
	}
	apk, err := os.ReadFile("../refactor/testdata/TestActivity.apk")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/apps", bytes.NewReader(apk))
	req.SetBasicAuth("admin", strings.TrimSpace(string(ticket)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var up struct{ Job string }
	_ = json.NewDecoder(resp.Body).Decode(&up)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || up.Job == "" {
		t.Fatalf("upload = %d %+v, want 202 with a job", resp.StatusCode, up)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var job struct{ State, Error string }
		_, body := httpGet(t, base+"/api/jobs/"+up.Job)
		_ = json.Unmarshal([]byte(body), &job)
		if job.State == "failed" || job.State == "done" {
			if job.State != "failed" || !strings.Contains(job.Error, "install the Debian package enjarify") {
				t.Errorf("job without enjarify = %s %q, want failed naming the package\n%s", job.State, job.Error, body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s not finished in 2 minutes: %s", up.Job, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
