package server_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/unikernel-runtime/gvisor"
)

func hostileTask(class, body string) string {
	return "package uk.test.hostile;\n\npublic class " + class + " {\n    public " + class + "() {}\n\n    public String run() throws Exception {\n" + body + "\n    }\n}\n"
}

// TestHostileTasksThroughServer sends hostile tasks through the whole server, on each unikernel
// driver: each gets a clear WAMP error, and a normal task runs right after on the same server.
func TestHostileTasksThroughServer(t *testing.T) {
	for _, driver := range []string{"process", "gvisor"} {
		t.Run(driver, func(t *testing.T) { testHostileTasksThroughServer(t, driver) })
	}
}

func testHostileTasksThroughServer(t *testing.T, driver string) {
	if driver == "gvisor" {
		requireGVisor(t)
	}
	srv := offloadServer(t, func(c *server.Config) { c.Runtime.Driver = driver })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	edge := dial(ctx, t, wsURL(srv), serialize.CBOR, "edge1", "edge-ticket")
	waitProc(ctx, t, edge, api.ProcTaskRun)
	tests := []struct {
		class, body string
		timeoutMS   int
		want        []string // acceptable error URIs
	}{
		{"Loop", "while (true) {}", 1500, []string{api.ErrTimeout}},
		{"Exit", "System.exit(3); return \"\";", 0, []string{api.ErrRuntime}},
		{"Hog", "java.util.List<long[]> l = new java.util.ArrayList<>(); while (true) l.add(new long[1 << 20]);", 0, []string{api.ErrLimit, api.ErrRuntime}},
		{"ReadHost", "return new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(\"/etc/hostname\")));", 0, []string{api.ErrRuntime}},
		{"Connect", "new java.net.Socket(\"127.0.0.1\", " + strings.TrimPrefix(srv.Addr().String(), "127.0.0.1:") + ").close(); return \"connected\";", 0, []string{api.ErrRuntime}},
		{"Exec", "return new String(Runtime.getRuntime().exec(new String[]{\"/bin/sh\", \"-c\", \"id\"}).getInputStream().readAllBytes());", 0, []string{api.ErrRuntime}},
	}
	for _, tc := range tests {
		t.Run(tc.class, func(t *testing.T) {
			if _, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": hostileTask(tc.class, tc.body)}, nil); err != nil {
				t.Fatalf("deploy %s: %v", tc.class, err)
			}
			kw := wamp.Dict{"task": "uk.test.hostile." + tc.class}
			if tc.timeoutMS > 0 {
				kw["timeout_ms"] = tc.timeoutMS
			}
			res, err := edge.Call(ctx, api.ProcTaskRun, nil, nil, kw, nil)
			got := rpcErrorURI(err)
			ok := false
			for _, w := range tc.want {
				ok = ok || got == w
			}
			if !ok {
				t.Errorf("run %s = %v, error %s; want one of %v", tc.class, res, got, tc.want)
			}
			// The server keeps serving.
			if _, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": echoTask}, nil); err != nil {
				t.Fatalf("deploy Echo: %v", err)
			}
			res, err = edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": []any{"after", 1}}, nil)
			if err != nil || res.ArgumentsKw["output"] != "[after|1]" {
				t.Errorf("normal task after %s = %v %v", tc.class, res, err)
			}
		})
	}
}

// TestBusyWhenQueueFull fills the one running slot and the one queue place; the next caller
// gets mamoc.error.busy at once instead of waiting.
func TestBusyWhenQueueFull(t *testing.T) {
	srv := offloadServer(t, func(c *server.Config) {
		c.Runtime.MaxConcurrent = 1
		c.Runtime.QueueLen = 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	edge := dial(ctx, t, wsURL(srv), serialize.CBOR, "edge1", "edge-ticket")
	waitProc(ctx, t, edge, api.ProcTaskRun)
	if _, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": hostileTask("Nap", "Thread.sleep(1500); return \"rested\";")}, nil); err != nil {
		t.Fatal(err)
	}
	errs := make(chan string, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, err := edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.hostile.Nap"}, nil)
			if err == nil {
				errs <- "ok"
				return
			}
			errs <- rpcErrorURI(err)
		}()
		time.Sleep(100 * time.Millisecond)
	}
	got := map[string]int{}
	for i := 0; i < 3; i++ {
		got[<-errs]++
	}
	if got["ok"] != 2 || got[api.ErrBusy] != 1 {
		t.Errorf("three calls with one slot and one queue place = %v, want 2 ok and 1 %s", got, api.ErrBusy)
	}
}

// TestShutdownFinishesRunningWork stops the server while a phone's task runs: the task
// finishes within the shutdown timeout and the phone still gets its result.
func TestShutdownFinishesRunningWork(t *testing.T) {
	data := t.TempDir()
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", RawSocketListen: "off", DataDir: data,
		StatsInterval: time.Hour, ShutdownTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	<-srv.Ready()
	phone := dialPhone(t, wsURL(srv))
	phone.subscribe("uk.ac.standrews.cs.mamoc.offloadingresult")
	phone.publish("uk.ac.standrews.cs.mamoc.offloading", "Android", "uk.test.hostile.Nap",
		hostileTask("Nap", "Thread.sleep(1000); return \"rested\";"), nil, []any{})
	time.Sleep(300 * time.Millisecond) // the task is compiling or running
	cancel()
	if out, _ := phone.result(30 * time.Second); out != "rested" {
		t.Errorf("result after shutdown began = %q, want rested", out)
	}
	if err := <-done; !errors.Is(err, server.ErrServerClosed) {
		t.Errorf("Run = %v, want ErrServerClosed", err)
	}
}

// TestShutdownCancelsAfterTimeout stops the server while a task sleeps past the shutdown
// timeout: the task is cancelled and Run returns soon after the timeout.
func TestShutdownCancelsAfterTimeout(t *testing.T) {
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", RawSocketListen: "off", DataDir: t.TempDir(),
		StatsInterval: time.Hour, ShutdownTimeout: 500 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	<-srv.Ready()
	phone := dialPhone(t, wsURL(srv))
	phone.publish("uk.ac.standrews.cs.mamoc.offloading", "Android", "uk.test.hostile.Long",
		hostileTask("Long", "Thread.sleep(25000); return \"late\";"), nil, []any{})
	time.Sleep(1500 * time.Millisecond) // compiled and running
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Run = %v, want ErrServerClosed", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("shutdown took %s with a 500ms timeout and a 25s task", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown waited for the task instead of cancelling it")
	}
}

// requireGVisor skips where the gvisor driver cannot run sandboxes: no runsc
// (.ci/deps/gvisor.sh installs it), not root, or runsc cannot boot one here.
func requireGVisor(t *testing.T) {
	t.Helper()
	d, err := gvisor.New(gvisor.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if why := d.Unusable(context.Background()); why != "" {
		t.Skipf("gvisor cannot run here: %s", why)
	}
}
