package client_test

// Protocol tests: the SDK against a real router over WebSocket and a fake mamoc server session
// (fake_test.go). They check encoding, decoding, errors, progress and cancel; they do not run the
// real server.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	client "github.com/mamoc-go/mamoc/client-android"
	"github.com/mamoc-go/mamoc/decision"
	"github.com/mamoc-go/mamoc/server/api"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f, err := startFake(tWriter{t})
	if err != nil {
		t.Fatalf("start fake server: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

func dial(t *testing.T, f *fake, opts client.Options) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, f.URL, opts)
	if err != nil {
		t.Fatalf("Dial(%s): %v", f.URL, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSerializations(t *testing.T) {
	f := newFake(t)
	for _, ser := range []client.Serialization{client.CBOR, client.MsgPack, client.JSON} {
		t.Run(string(ser), func(t *testing.T) {
			c := dial(t, f, client.Options{Serialization: ser})
			res, err := c.Run(testCtx(t), taskEcho, []any{13, "a b;$(rm)", 2.5, true}, client.RunOptions{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if want := "int:13,string:a b;$(rm),float:2.5,bool:true"; res.Output != want {
				t.Errorf("Run output = %q, want %q", res.Output, want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	res, err := c.Run(testCtx(t), taskEcho, nil, client.RunOptions{Timeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := client.Result{ExecTime: 250 * time.Millisecond, QueueTime: 125 * time.Millisecond, Instance: "vm-1", Site: "fake", ExecutionID: "x-42"}
	res.RoundTrip, want.RoundTrip = 0, 0
	if res != want {
		t.Errorf("Run = %+v, want %+v", res, want)
	}
	f.mu.Lock()
	last := f.lastRun
	f.mu.Unlock()
	if last["timeout_ms"] != uint64(1500) && last["timeout_ms"] != int64(1500) {
		t.Errorf("timeout_ms = %v (%T), want 1500", last["timeout_ms"], last["timeout_ms"])
	}
	if last["resource"] != nil || last["resource_sha256"] != nil {
		t.Errorf("resource, resource_sha256 = %v, %v, want null, null", last["resource"], last["resource_sha256"])
	}
}

func TestErrors(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	ctx := testCtx(t)
	tests := []struct {
		name string
		call func() error
		want error
		uri  string
	}{
		{"compile", func() error { _, err := c.Deploy(ctx, "package p; class A { syntax error }", ""); return err }, client.ErrCompile, api.ErrCompile},
		{"not offloadable", func() error { _, err := c.Deploy(ctx, "import android.hardware.Camera;", ""); return err }, client.ErrNotOffloadable, api.ErrNotOffloadable},
		{"runtime", func() error { _, err := c.Run(ctx, taskFail, nil, client.RunOptions{}); return err }, client.ErrRuntime, api.ErrRuntime},
		{"timeout", func() error { _, err := c.Run(ctx, taskTimeout, nil, client.RunOptions{}); return err }, client.ErrTimeout, api.ErrTimeout},
		{"not found", func() error { _, err := c.Run(ctx, "no.Such", nil, client.RunOptions{}); return err }, client.ErrNotFound, api.ErrNotFound},
		{"no server", func() error { _, err := c.RunLegacy(ctx, "no.such.Proc", "", nil); return err }, client.ErrNoServer, "wamp.error.no_such_procedure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := client.ErrorURI(err); got != tt.uri {
				t.Errorf("ErrorURI = %q, want %q", got, tt.uri)
			}
			for _, other := range []error{client.ErrBusy, client.ErrLimit, client.ErrCanceled} {
				if errors.Is(err, other) {
					t.Errorf("errors.Is(%v, %v) = true, want false", err, other)
				}
			}
		})
	}

	_, err := c.Deploy(ctx, "package p; class A { syntax error }", "")
	e, ok := errors.AsType[*client.Error](err)
	if !ok || len(e.Diagnostics) != 1 || e.Diagnostics[0] != (client.Diagnostic{Line: 3, Column: 7, Kind: "error", Message: "';' expected"}) {
		t.Errorf("compile error diagnostics = %+v, want one at 3:7", e)
	}
	_, err = c.Run(ctx, taskFail, nil, client.RunOptions{})
	if e, _ := errors.AsType[*client.Error](err); e == nil || e.Exception != "java.lang.ArithmeticException" || e.Message != "/ by zero" || e.Stack == "" {
		t.Errorf("runtime error = %+v, want the exception, message and stack", e)
	}
}

func TestDeploy(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	src := "package uk.ac.test;\npublic class Queens {\n}"
	for i, wantCompiled := range []bool{true, false} {
		d, err := c.Deploy(testCtx(t), src, "")
		if err != nil {
			t.Fatalf("Deploy #%d: %v", i, err)
		}
		if d.Task != "uk.ac.test.Queens" || d.Compiled != wantCompiled || d.SourceSHA256 != client.SHA256([]byte(src)) ||
			len(d.CtorParams) != 1 || d.CtorParams[0] != (client.Param{Name: "N", Type: "int"}) || d.RunReturnType != "void" {
			t.Errorf("Deploy #%d = %+v, want task uk.ac.test.Queens compiled %v", i, d, wantCompiled)
		}
	}
	d, err := c.Deploy(testCtx(t), src, "my.Name")
	if err != nil || d.Task != "my.Name" {
		t.Errorf("Deploy with rpcname = %+v, %v, want task my.Name", d, err)
	}
}

func TestResources(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	ctx := testCtx(t)
	small := []byte(strings.Repeat("the quick brown fox ", 5000))
	sha, err := c.PutResource(ctx, "small.txt", small)
	if err != nil || sha != client.SHA256(small) {
		t.Fatalf("PutResource = %q, %v, want %s", sha, err, client.SHA256(small))
	}
	set := map[string][]byte{"small.txt": small, "a.txt": []byte("a"), "b.txt": []byte("b"), "a2.txt": []byte("a")}
	n, err := c.SyncResources(ctx, set)
	if err != nil || n != 2 {
		t.Errorf("SyncResources = %d, %v, want 2 uploads (a.txt, b.txt)", n, err)
	}
	if n, err := c.SyncResources(ctx, set); err != nil || n != 0 {
		t.Errorf("second SyncResources = %d, %v, want 0", n, err)
	}
	if f.puts != 3 {
		t.Errorf("resource.put calls = %d, want 3", f.puts)
	}
	res, err := c.Run(ctx, taskResource, nil, client.RunOptions{Resource: "small.txt", ResourceSHA256: sha})
	if err != nil || res.Output != "small.txt:100000" {
		t.Errorf("Run with resource = %q, %v, want small.txt:100000", res.Output, err)
	}
}

func TestProgress(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	var got []string
	res, err := c.Run(testCtx(t), taskProgress, nil, client.RunOptions{Progress: func(p string) { got = append(got, p) }})
	if err != nil || res.Output != "done" {
		t.Fatalf("Run = %q, %v, want done", res.Output, err)
	}
	if strings.Join(got, " ") != "1/3 2/3 3/3" {
		t.Errorf("progress = %q, want 1/3 2/3 3/3", got)
	}
}

func TestCancelKillsTask(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	ctx, cancel := context.WithCancel(testCtx(t))
	started := make(chan struct{})
	var once sync.Once
	go func() {
		<-started
		cancel()
	}()
	_, err := c.Run(ctx, taskBlock, nil, client.RunOptions{Progress: func(string) { once.Do(func() { close(started) }) }})
	if !errors.Is(err, client.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want ErrCanceled and context.Canceled", err)
	}
	if task, err := f.waitCanceled(5 * time.Second); err != nil || task != taskBlock {
		t.Errorf("server saw cancel of %q, %v, want %s", task, err, taskBlock)
	}
	// The session still works.
	if _, err := c.Run(testCtx(t), taskEcho, nil, client.RunOptions{}); err != nil {
		t.Errorf("Run after a cancel: %v", err)
	}
}

func TestTasksStatsLegacy(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	ctx := testCtx(t)
	tasks, err := c.Tasks(ctx)
	if err != nil || len(tasks) != 2 || tasks[0].Task != taskEcho || !tasks[0].Registered || len(tasks[0].CtorParams) != 1 ||
		tasks[1].Kind != "mamoc" || !tasks[1].ResourceDependent {
		t.Errorf("Tasks = %+v, %v", tasks, err)
	}
	st, err := c.Stats(ctx)
	if err != nil || st.CPUMHzTotal != 9600 || st.MemTotalMB != 16000 || st.Battery != -1 || st.Cores != 4 ||
		st.CPUPercent != 12.5 || st.WarmInstances != 2 || st.ServerID != "fake-1" || st.Uptime != 90*time.Second {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	res, err := c.RunLegacy(ctx, taskLegacy, "", []any{13})
	if err != nil || res.Output != "<nil> [13]" || res.ExecTime != 750*time.Millisecond {
		t.Errorf("RunLegacy = %+v, %v, want output \"<nil> [13]\" in 0.75 s", res, err)
	}
}

func TestSubscribeStats(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	got1, got2 := make(chan client.Stats, 16), make(chan client.Stats, 16)
	stop1, err := c.SubscribeStats(testCtx(t), func(s client.Stats) { got1 <- s })
	if err != nil {
		t.Fatalf("SubscribeStats: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(testCtx(t))
	if _, err := c.SubscribeStats(ctx2, func(s client.Stats) { got2 <- s }); err != nil {
		t.Fatalf("second SubscribeStats: %v", err)
	}
	if err := f.publishStats(7); err != nil {
		t.Fatal(err)
	}
	for i, ch := range []chan client.Stats{got1, got2} {
		select {
		case s := <-ch:
			if s.QueueLength != 7 || s.CPUMHzTotal != 9600 || s.ServerID != "fake-1" {
				t.Errorf("listener %d got %+v, want queue 7", i+1, s)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("listener %d got no stats event", i+1)
		}
	}
	cancel2()
	stop1()
	stop1()
}

func TestAuth(t *testing.T) {
	f := newFake(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := client.Dial(ctx, f.URL, client.Options{AuthID: "nobody", Ticket: "wrong"}); err == nil {
		t.Error("Dial with an unknown authid succeeded, want an error")
	}
	if _, err := client.Dial(ctx, f.URL, client.Options{AuthID: "x"}); !errors.Is(err, client.ErrBadArgument) {
		t.Errorf("Dial with authid and no ticket = %v, want ErrBadArgument", err)
	}
}

func TestClosed(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Run(testCtx(t), taskEcho, nil, client.RunOptions{}); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Run after Close = %v, want ErrClosed", err)
	}
}

func TestOffloader(t *testing.T) {
	f := newFake(t)
	c := dial(t, f, client.Options{})
	// The phone is 100× slower than the server: after exploring both, the server wins.
	o, err := client.NewOffloader(c, client.OffloaderConfig{
		Local:  decision.Site{Speed: 1, BatteryPct: 50},
		Remote: decision.Site{Speed: 100, Security: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	local := func(context.Context) (string, error) {
		time.Sleep(50 * time.Millisecond)
		return "local", nil
	}
	var remote, locals int
	for range 6 {
		out, err := o.Run(ctx, taskEcho, []any{1}, client.RunOptions{}, local)
		if err != nil {
			t.Fatalf("Offloader.Run: %v", err)
		}
		if out.Remote {
			remote++
		} else {
			locals++
		}
	}
	if remote == 0 {
		t.Errorf("Offloader ran %d local, %d remote, want some remote", locals, remote)
	}
	// A failing server falls back to local.
	out, err := o.Run(ctx, taskTimeout, nil, client.RunOptions{}, local)
	if err != nil || (out.Remote && !out.Fallback) || out.Result.Output == "" {
		t.Errorf("Offloader.Run of a timing-out task = %+v, %v, want output", out, err)
	}
}
