package refactor_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mamoc-go/mamoc/internal/apktest"
	"github.com/mamoc-go/mamoc/refactor"
)

// leakCheck verifies, after every other cleanup, that the test left no goroutine behind.
func leakCheck(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		goleak.VerifyNone(t, opt)
	})
}

// testLogger logs to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// jvmRegistrar stands in for the runtime: it keeps what it is asked to register and calls the
// procedures in a plain JVM through testdata/harness/Harness.java.
type jvmRegistrar struct {
	mu    sync.Mutex
	app   refactor.AppInfo
	jar   []byte
	procs []refactor.Procedure
}

func (r *jvmRegistrar) RegisterProcedures(_ context.Context, app refactor.AppInfo, jar []byte, procs []refactor.Procedure) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.app, r.jar, r.procs = app, jar, procs
	return nil
}

func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (run .ci/deps/refactor.sh)", tool)
		}
	}
}

// harness compiles the Java harness into a temp dir, with the runtime's shim stubs
// (unikernel-runtime/shims/src) when they exist, and returns the dir and the Config.Shims that
// match (nil = DefaultShims when the stubs were compiled, none otherwise).
func harness(t *testing.T) (string, map[string][]string) {
	t.Helper()
	dir := t.TempDir()
	src, err := filepath.Abs("testdata/harness/Harness.java")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-d", dir, src}
	shims := map[string][]string{}
	_ = filepath.WalkDir(filepath.Join("..", "unikernel-runtime", "shims", "src"), func(p string, _ os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".java") {
			args = append(args, p)
			shims = nil
		}
		return nil
	})
	if out, err := exec.Command("javac", args...).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	return dir, shims
}

// call runs one registered static procedure in a JVM (with -Xverify:all) and returns its output.
func call(t *testing.T, classes, jar string, p refactor.Procedure, args ...string) string {
	t.Helper()
	cmd := exec.Command("java", append([]string{"-Xverify:all", "-cp", classes, "Harness", jar, p.Class, p.Method, strings.Join(p.Params, ",")}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("java %s.%s: %v\n%s", p.Class, p.Method, err, out)
	}
	return strings.TrimSpace(string(out))
}

func startManager(t *testing.T, cfg refactor.Config) (*refactor.Manager, *httptest.Server) {
	t.Helper()
	m, err := refactor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
		_ = m.Close()
	})
	return m, srv
}

func upload(t *testing.T, url string, apk []byte, multipartForm bool) (int, string) {
	t.Helper()
	var req *http.Request
	var err error
	if multipartForm {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("apk", "app.apk")
		_, _ = fw.Write(apk)
		_ = mw.Close()
		req, err = http.NewRequest("POST", url+"/api/apps", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
	} else {
		req, err = http.NewRequest("POST", url+"/api/apps", bytes.NewReader(apk))
		req.Header.Set("Content-Type", "application/vnd.android.package-archive")
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var v struct{ Job, Error string }
	_ = json.NewDecoder(resp.Body).Decode(&v)
	if v.Error != "" {
		return resp.StatusCode, v.Error
	}
	return resp.StatusCode, v.Job
}

func waitJob(t *testing.T, url, id string) refactor.Job {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/api/jobs/" + id)
		if err != nil {
			t.Fatal(err)
		}
		var j refactor.Job
		err = json.NewDecoder(resp.Body).Decode(&j)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatalf("GET job: %v", err)
		}
		if j.State == refactor.StateDone || j.State == refactor.StateFailed {
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish", id)
	return refactor.Job{}
}

// TestUploadLinkCall uploads TestActivity.apk over HTTP, waits for the job, and calls the
// registered RC4 and sieve procedures in a real JVM from the linked jar.
func TestUploadLinkCall(t *testing.T) {
	leakCheck(t)
	requireTools(t, "enjarify", "javac", "java")
	apk, err := os.ReadFile("testdata/TestActivity.apk")
	if err != nil {
		t.Fatal(err)
	}
	reg := &jvmRegistrar{}
	var (
		evMu   sync.Mutex
		events []refactor.Progress
	)
	_, srv := startManager(t, refactor.Config{
		Logger:    testLogger(t),
		Registrar: reg,
		OnProgress: func(p refactor.Progress) {
			evMu.Lock()
			events = append(events, p)
			evMu.Unlock()
		},
		Authorize: func(r *http.Request) (string, bool) {
			return "edge-1", r.Header.Get("Content-Type") != "text/plain"
		},
	})

	code, id := upload(t, srv.URL, apk, true)
	if code != http.StatusAccepted {
		t.Fatalf("POST /api/apps = %d %s, want 202", code, id)
	}
	j := waitJob(t, srv.URL, id)
	if j.State != refactor.StateDone {
		t.Fatalf("job state = %s (%s), want done", j.State, j.Error)
	}
	if j.Uploader != "edge-1" || j.Progress != 1 {
		t.Errorf("job uploader, progress = %q, %v; want edge-1, 1", j.Uploader, j.Progress)
	}
	rep := j.Report
	if rep == nil || rep.Link == nil || !rep.Link.Registered || rep.Counts.Registered == 0 {
		t.Fatalf("report link = %+v, want registered procedures", rep.Link)
	}
	var stages []string
	for _, s := range rep.Stages {
		stages = append(stages, s.Stage)
	}
	if got, want := strings.Join(stages, ","), "store,unpack,manifest,dex,graph,verdict,link,register"; got != want {
		t.Errorf("stages = %s, want %s", got, want)
	}

	// Same APK again (raw body this time): same job, no second analysis.
	if code, id2 := upload(t, srv.URL, apk, false); code != http.StatusAccepted || id2 != id {
		t.Errorf("second upload = %d %s, want 202 %s", code, id2, id)
	}

	evMu.Lock()
	var last refactor.Progress
	sawDEX := false
	for _, e := range events {
		if e.JobID != id {
			t.Errorf("event for job %q, want %q", e.JobID, id)
		}
		if e.Progress < last.Progress {
			t.Errorf("progress went back: %v after %v", e.Progress, last.Progress)
		}
		sawDEX = sawDEX || e.Stage == "dex"
		last = e
	}
	evMu.Unlock()
	if !sawDEX || last.State != refactor.StateDone {
		t.Errorf("events: saw dex stage %v, last %+v; want dex and done", sawDEX, last)
	}

	reg.mu.Lock()
	jar, procs, app := reg.jar, reg.procs, reg.app
	reg.mu.Unlock()
	if app.Package != "tests.androguard" || app.JobID != id || app.JarSHA256 != rep.Link.JarSHA256 {
		t.Errorf("registered app = %+v", app)
	}
	byName := map[string]refactor.Procedure{}
	for _, p := range procs {
		byName[p.Name] = p
	}
	jarPath := filepath.Join(t.TempDir(), "app.jar")
	if err := os.WriteFile(jarPath, jar, 0o600); err != nil {
		t.Fatal(err)
	}
	classes, _ := harness(t)
	hexs := func(s string) string { return hex.EncodeToString([]byte(s)) }
	tests := []struct {
		proc string
		args []string
		want string
	}{
		// RC4 encrypts in place; the void call returns its array arguments (key, data).
		{"mamoc.app.tests.androguard.RC4.rc4_crypt", []string{hexs("Key"), hexs("Plaintext")}, hexs("Key") + " bbf316e8d940af0ad3"},
		{"mamoc.app.tests.androguard.RC4.rc4_crypt", []string{hexs("Wiki"), hexs("pedia")}, hexs("Wiki") + " 1021bf0420"},
		{"mamoc.app.tests.androguard.Eratosthene.eratosthenes", []string{"30"}, "2,3,5,7,11,13,17,19,23,29"},
		{"mamoc.app.tests.androguard.TestQuickSort.QuickSort", []string{"5,3,9,1,7", "0", "4"}, "1,3,5,7,9"},
	}
	for _, tt := range tests {
		p, ok := byName[tt.proc]
		if !ok {
			t.Errorf("procedure %s not registered; have %d procedures", tt.proc, len(procs))
			continue
		}
		if got := call(t, classes, jarPath, p, tt.args...); got != tt.want {
			t.Errorf("%s(%v) = %q, want %q", tt.proc, tt.args, got, tt.want)
		}
	}

	// The HTML report names the verdicts and procedures.
	resp, err := http.Get(srv.URL + "/api/jobs/" + id + "/report")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{"tests.androguard.Eratosthene", "mamoc.app.tests.androguard.", "RC4.rc4_crypt", "device-bound", "android.app.Activity", "Timings"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report page lacks %q", want)
		}
	}
}

func TestHTTPErrors(t *testing.T) {
	leakCheck(t)
	_, srv := startManager(t, refactor.Config{
		Logger:      testLogger(t),
		DisableLink: true,
		MaxAPKBytes: 4096,
		Authorize:   func(r *http.Request) (string, bool) { return "admin", r.Header.Get("X-Deny") == "" },
	})
	tests := []struct {
		name   string
		do     func() (*http.Response, error)
		status int
	}{
		{"unknown job", func() (*http.Response, error) { return http.Get(srv.URL + "/api/jobs/nope") }, 404},
		{"unknown report", func() (*http.Response, error) { return http.Get(srv.URL + "/api/jobs/nope/report") }, 404},
		{"too large", func() (*http.Response, error) {
			return http.Post(srv.URL+"/api/apps", "application/octet-stream", bytes.NewReader(make([]byte, 8192)))
		}, 413},
		{"multipart without apk field", func() (*http.Response, error) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("other", "x")
			_ = mw.Close()
			return http.Post(srv.URL+"/api/apps", mw.FormDataContentType(), &body)
		}, 400},
		{"denied", func() (*http.Response, error) {
			req, _ := http.NewRequest("POST", srv.URL+"/api/apps", strings.NewReader("PK"))
			req.Header.Set("X-Deny", "1")
			return http.DefaultClient.Do(req)
		}, 403},
		{"wrong method", func() (*http.Response, error) { return http.Get(srv.URL + "/api/apps") }, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.do()
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	// A bad upload is accepted and its job fails with a clear error.
	code, id := upload(t, srv.URL, []byte("this is not an apk"), false)
	if code != http.StatusAccepted {
		t.Fatalf("upload = %d %s, want 202", code, id)
	}
	if j := waitJob(t, srv.URL, id); j.State != refactor.StateFailed || !strings.Contains(j.Error, "not a zip") {
		t.Errorf("job = %s %q, want failed with not a zip", j.State, j.Error)
	}
}

// TestCorpusJobs runs every corpus APK as a job with linking: each job completes, and every
// class that a registered procedure names loads, verifies and initialises in a plain JVM from
// the linked jar (so the jar holds the whole closure).
func TestCorpusJobs(t *testing.T) {
	leakCheck(t)
	requireTools(t, "enjarify", "javac", "java")
	dir := apktest.Dir(t)
	apks, _ := filepath.Glob(filepath.Join(dir, "*.apk"))
	if len(apks) == 0 {
		t.Fatalf("no APKs in %s", dir)
	}
	reg := &multiRegistrar{jars: map[string][]byte{}, procs: map[string][]refactor.Procedure{}}
	classes, shims := harness(t)
	m, _ := startManager(t, refactor.Config{Logger: testLogger(t), Registrar: reg, Workers: 2, Shims: shims})
	ids := map[string]string{}
	for _, p := range apks {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		id, err := m.Submit(context.Background(), f, "test")
		_ = f.Close()
		if err != nil {
			t.Fatalf("Submit(%s) = %v", p, err)
		}
		ids[filepath.Base(p)] = id
	}
	for name, id := range ids {
		var j refactor.Job
		deadline := time.Now().Add(3 * time.Minute)
		for {
			var err error
			if j, err = m.Job(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			if j.State == refactor.StateDone || j.State == refactor.StateFailed || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if j.State != refactor.StateDone {
			t.Errorf("%s: job %s %s: %s", name, id, j.State, j.Error)
			continue
		}
		rep := j.Report
		t.Logf("%s: %d classes, %d methods, %d offloadable, %d procedures, link %+v", name, rep.Counts.Classes,
			rep.Counts.Methods, rep.Counts.OffloadableMethods, rep.Counts.Procedures, rep.Link)
		if rep.Counts.Procedures == 0 {
			if rep.Link == nil || rep.Link.Note == "" {
				t.Errorf("%s: no procedures and no link note", name)
			}
			continue
		}
		reg.mu.Lock()
		jar := reg.jars[rep.APKSHA256]
		reg.mu.Unlock()
		if !rep.Link.Registered || jar == nil {
			t.Errorf("%s: procedures not registered: %+v", name, rep.Link)
			continue
		}
		jarPath := filepath.Join(t.TempDir(), "app.jar")
		_ = os.WriteFile(jarPath, jar, 0o600)
		seen := map[string]bool{}
		args := []string{"-Xverify:all", "-cp", classes, "Harness", jarPath, "--load"}
		for _, p := range rep.Procedures {
			if !seen[p.Class] {
				seen[p.Class] = true
				args = append(args, p.Class)
			}
		}
		out, err := exec.Command("java", args...).CombinedOutput()
		if want := fmt.Sprintf("loaded %d of %d", len(seen), len(seen)); err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: loading procedure classes: %v\n%s", name, err, out)
		}
	}
}

type multiRegistrar struct {
	mu    sync.Mutex
	jars  map[string][]byte // by APK sha256
	procs map[string][]refactor.Procedure
}

func (r *multiRegistrar) RegisterProcedures(_ context.Context, app refactor.AppInfo, jar []byte, procs []refactor.Procedure) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jars[app.APKSHA256], r.procs[app.APKSHA256] = jar, procs
	return nil
}

// TestCloseDuringJob stops the Manager while enjarify runs: Run returns ErrClosed, the job is
// recorded as failed, and no goroutine or process is left behind.
func TestCloseDuringJob(t *testing.T) {
	leakCheck(t)
	requireTools(t, "enjarify")
	apk := readFile(t, filepath.Join(apktest.Dir(t), "app-prod-debug.apk"))
	store := refactor.NewMemStore()
	// Its own code has nothing to register: register its libraries to have something to link.
	m, err := refactor.New(refactor.Config{Logger: testLogger(t), Store: store, RegisterLibraries: true})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background()) }()
	id, err := m.Submit(context.Background(), bytes.NewReader(apk), "test")
	if err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		j, _ := m.Job(context.Background(), id)
		if j.Stage == "link" {
			break
		}
		if time.Since(start) > time.Minute || j.State == refactor.StateDone || j.State == refactor.StateFailed {
			t.Fatalf("job never reached the link stage: %+v", j)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, refactor.ErrClosed) {
		t.Errorf("Run = %v, want ErrClosed", err)
	}
	j, err := store.Job(context.Background(), id)
	if err != nil || j.State != refactor.StateFailed || !strings.Contains(j.Error, "link") {
		t.Errorf("stored job = %s %q (%v), want failed in link", j.State, j.Error, err)
	}
	if _, err := m.Submit(context.Background(), bytes.NewReader(apk), "test"); !errors.Is(err, refactor.ErrClosed) {
		t.Errorf("Submit after Close = %v, want ErrClosed", err)
	}
}

// TestDedupe: the same APK is analysed once; a stale row from an earlier process is not reused.
func TestDedupe(t *testing.T) {
	leakCheck(t)
	apk := readFile(t, "testdata/TC-debug.apk")
	store := refactor.NewMemStore()
	// A row an earlier process left "running" for this APK.
	sum := sha256.Sum256(apk)
	if err := store.PutJob(context.Background(), refactor.Job{ID: "stale", APKSHA256: hex.EncodeToString(sum[:]),
		State: refactor.StateRunning, Created: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	m, _ := startManager(t, refactor.Config{Logger: testLogger(t), DisableLink: true, Store: store})
	id, err := m.Submit(context.Background(), bytes.NewReader(apk), "a")
	if err != nil || id == "stale" {
		t.Fatalf("Submit = %q, %v; want a new job", id, err)
	}
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(10 * time.Millisecond) {
		if j, _ := m.Job(context.Background(), id); j.State == refactor.StateDone {
			break
		}
	}
	id2, err := m.Submit(context.Background(), bytes.NewReader(apk), "b")
	if err != nil || id2 != id {
		t.Errorf("second Submit = %q, %v; want %q", id2, err, id)
	}
}
