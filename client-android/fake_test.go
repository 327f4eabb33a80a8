package client_test

// This file is a fake mamoc server for the SDK's PROTOCOL tests: a real mamoc router (router.New)
// serving WebSocket on 127.0.0.1:0, and an in-process session (ConnectLocal) that registers the
// mamoc.* procedures with canned answers that check the shapes the SDK sends. The end-to-end test
// against the real server lives with the server.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/router"
)

// Canned tasks of the fake server.
const (
	taskEcho     = "test.Echo"     // output: params joined by ","; exec_time_s 0.25
	taskResource = "test.Resource" // output: "<resource name>:<content length>"
	taskProgress = "test.Progress" // sends progress "1/3" … "3/3", output "done"
	taskBlock    = "test.Block"    // blocks until canceled
	taskFail     = "test.Fail"     // mamoc.error.runtime
	taskTimeout  = "test.Timeout"  // mamoc.error.timeout
	taskLegacy   = "uk.ac.test.Legacy"
)

// fake is a router on a loopback port plus a fake mamoc server session.
type fake struct {
	URL    string // ws://127.0.0.1:port/ws
	r      *router.Router
	srv    *nxclient.Client
	hs     *http.Server
	served chan struct{}

	mu        sync.Mutex        // guards the fields below
	resources map[string][]byte // sha256 → content
	deployed  map[string]bool   // source sha256 → compiled
	puts      int               // resource.put calls
	lastRun   wamp.Dict         // kwargs of the last mamoc.task.run
	canceled  chan string       // tasks whose invocation was canceled
}

func startFake(logw io.Writer) (*fake, error) {
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := router.New(router.Config{Logger: log})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", r.Handler())
	f := &fake{
		URL: "ws://" + l.Addr().String() + "/ws", r: r,
		hs:     &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		served: make(chan struct{}), resources: map[string][]byte{}, deployed: map[string]bool{},
		canceled: make(chan string, 8),
	}
	go func() { _ = f.hs.Serve(l); close(f.served) }()
	if f.srv, err = r.ConnectLocal(nxclient.Config{}); err == nil {
		err = f.register()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Close stops the fake server, the HTTP server and the router.
func (f *fake) Close() {
	if f.srv != nil {
		_ = f.srv.Close()
	}
	_ = f.hs.Close()
	_ = f.r.Close()
	<-f.served
}

func (f *fake) register() error {
	for proc, h := range map[string]nxclient.InvocationHandler{
		"mamoc.task.deploy":      f.deploy,
		"mamoc.task.run":         f.run,
		"mamoc.task.list":        f.list,
		"mamoc.resource.put":     f.put,
		"mamoc.resource.missing": f.missing,
		"mamoc.stats.get":        f.stats,
		taskLegacy:               f.legacy,
	} {
		if err := f.srv.Register(proc, h, nil); err != nil {
			return fmt.Errorf("register %s: %w", proc, err)
		}
	}
	return nil
}

func fail(uri string, args wamp.List, kw wamp.Dict) nxclient.InvokeResult {
	return nxclient.InvokeResult{Err: wamp.URI(uri), Args: args, Kwargs: kw}
}

func badArg(format string, a ...any) nxclient.InvokeResult {
	return fail("mamoc.error.bad_argument", wamp.List{fmt.Sprintf(format, a...)}, nil)
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// deploy answers like the server: FQCN from "package" and "class", one int parameter N.
func (f *fake) deploy(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	src, ok := inv.ArgumentsKw["source"].(string)
	if !ok || len(inv.Arguments) != 0 {
		return badArg("source %T, args %v", inv.ArgumentsKw["source"], inv.Arguments)
	}
	switch {
	case strings.Contains(src, "syntax error"):
		return fail("mamoc.error.compile", wamp.List{"1 error"}, wamp.Dict{"diagnostics": wamp.List{
			wamp.Dict{"line": 3, "column": 7, "kind": "error", "message": "';' expected"}}})
	case strings.Contains(src, "android.hardware"):
		return fail("mamoc.error.not_offloadable", wamp.List{"device-bound API"},
			wamp.Dict{"reasons": wamp.List{"android.hardware.Camera"}})
	}
	pkg, cls := word(src, "package "), word(src, "class ")
	if cls == "" {
		return badArg("no class")
	}
	task := pkg + "." + cls
	if rpc, ok := inv.ArgumentsKw["rpcname"].(string); ok {
		task = rpc
	}
	sha := hexSHA([]byte(src))
	f.mu.Lock()
	compiled := !f.deployed[sha]
	f.deployed[sha] = true
	f.mu.Unlock()
	return nxclient.InvokeResult{Kwargs: wamp.Dict{
		"task": task, "source_sha256": sha, "compiled": compiled,
		"ctor_params":        wamp.List{wamp.Dict{"name": "N", "type": "int"}},
		"resource_dependent": false, "run_return_type": "void",
	}}
}

func word(src, after string) string {
	_, rest, ok := strings.Cut(src, after)
	if !ok {
		return ""
	}
	return strings.FieldsFunc(rest, func(r rune) bool { return r == ';' || r == ' ' || r == '{' || r == '\n' })[0]
}

func (f *fake) run(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	kw := inv.ArgumentsKw
	task, _ := kw["task"].(string)
	params, ok := kw["params"].([]any)
	if !ok {
		return badArg("params %T, want a list", kw["params"])
	}
	for _, k := range []string{"resource", "resource_sha256"} {
		if v, present := kw[k]; !present {
			return badArg("%s missing, want a string or null", k)
		} else if _, isStr := v.(string); v != nil && !isStr {
			return badArg("%s %T, want a string or null", k, v)
		}
	}
	if t, present := kw["timeout_ms"]; present {
		if _, ok := t.(int64); !ok {
			if _, ok := t.(uint64); !ok {
				return badArg("timeout_ms %T, want an integer", t)
			}
		}
	}
	f.mu.Lock()
	f.lastRun = kw
	f.mu.Unlock()
	ok3 := func(out string, exec float64) nxclient.InvokeResult {
		return nxclient.InvokeResult{Kwargs: wamp.Dict{"output": out, "exec_time_s": exec, "queue_time_s": 0.125,
			"instance": "vm-1", "site": "fake", "execution_id": "x-42"}}
	}
	switch task {
	case taskEcho:
		s := make([]string, len(params))
		for i, p := range params {
			s[i] = fmt.Sprintf("%s:%v", kind(p), p)
		}
		return ok3(strings.Join(s, ","), 0.25)
	case taskResource:
		sha, _ := kw["resource_sha256"].(string)
		name, _ := kw["resource"].(string)
		f.mu.Lock()
		content, ok := f.resources[sha]
		f.mu.Unlock()
		if !ok {
			return fail("mamoc.error.not_found", wamp.List{"no resource " + sha}, nil)
		}
		return ok3(fmt.Sprintf("%s:%d", name, len(content)), 0.5)
	case taskProgress:
		for i := 1; i <= 3; i++ {
			if err := f.srv.SendProgress(ctx, nil, wamp.Dict{"progress": fmt.Sprintf("%d/3", i)}); err != nil {
				return badArg("progress: %v", err)
			}
		}
		return ok3("done", 0.1)
	case taskBlock:
		_ = f.srv.SendProgress(ctx, nil, wamp.Dict{"progress": "started"})
		<-ctx.Done()
		f.canceled <- task
		return nxclient.InvokeResult{Err: wamp.ErrCanceled}
	case taskFail:
		return fail("mamoc.error.runtime", wamp.List{"/ by zero"}, wamp.Dict{
			"exception": "java.lang.ArithmeticException", "message": "/ by zero", "stack": "at Fail.run(Fail.java:3)"})
	case taskTimeout:
		return fail("mamoc.error.timeout", wamp.List{"task exceeded 10 ms"}, nil)
	}
	return fail("mamoc.error.not_found", wamp.List{"no task " + task}, nil)
}

// kind names a decoded parameter's JSON-like kind, whatever the serializer.
func kind(v any) string {
	switch v.(type) {
	case int64, uint64, int:
		return "int"
	case float64:
		return "float"
	case string:
		return "string"
	case bool:
		return "bool"
	}
	return fmt.Sprintf("%T", v)
}

func (f *fake) list(context.Context, *wamp.Invocation) nxclient.InvokeResult {
	return nxclient.InvokeResult{Kwargs: wamp.Dict{"tasks": wamp.List{
		wamp.Dict{"task": taskEcho, "kind": "deployed", "ctor_params": wamp.List{wamp.Dict{"name": "N", "type": "int"}},
			"resource_dependent": false, "registered": true},
		wamp.Dict{"task": taskResource, "kind": "mamoc", "ctor_params": wamp.List{}, "resource_dependent": true, "registered": false},
	}}}
}

func (f *fake) put(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	if len(inv.Arguments) != 1 {
		return badArg("args %d, want [content]", len(inv.Arguments))
	}
	content, ok := inv.Arguments[0].([]byte)
	if !ok {
		return badArg("content %T, want bytes", inv.Arguments[0])
	}
	if _, ok := inv.ArgumentsKw["name"].(string); !ok {
		return badArg("name %T, want a string", inv.ArgumentsKw["name"])
	}
	sha := hexSHA(content)
	f.mu.Lock()
	f.resources[sha] = content
	f.puts++
	f.mu.Unlock()
	return nxclient.InvokeResult{Kwargs: wamp.Dict{"sha256": sha, "size": len(content)}}
}

func (f *fake) missing(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	list, ok := inv.ArgumentsKw["sha256"].([]any)
	if !ok {
		return badArg("sha256 %T, want a list", inv.ArgumentsKw["sha256"])
	}
	missing := wamp.List{}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range list {
		sha, ok := s.(string)
		if !ok {
			return badArg("sha256 holds %T", s)
		}
		if _, have := f.resources[sha]; !have {
			missing = append(missing, sha)
		}
	}
	return nxclient.InvokeResult{Kwargs: wamp.Dict{"missing": missing}}
}

// statsPayload is what the fake's stats procedure and topic carry.
func statsPayload(queue int) (wamp.List, wamp.Dict) {
	return wamp.List{9600.0, int64(16000), -1}, wamp.Dict{
		"cpu_percent": 12.5, "load1": 0.5, "mem_free_mb": int64(8000), "cores": 4, "queue_length": queue,
		"running_instances": 1, "warm_instances": 2, "server_id": "fake-1", "version": "test", "uptime_s": 90.0,
	}
}

func (f *fake) stats(context.Context, *wamp.Invocation) nxclient.InvokeResult {
	args, kw := statsPayload(0)
	return nxclient.InvokeResult{Args: args, Kwargs: kw}
}

// publishStats publishes one stats event with the given queue length.
func (f *fake) publishStats(queue int) error {
	args, kw := statsPayload(queue)
	return f.srv.Publish("uk.ac.standrews.cs.mamoc.stats", nil, args, kw)
}

// legacy answers MAMoC's per-task procedure: [res|null, [params]] → [[output, duration, null]].
func (f *fake) legacy(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	if len(inv.Arguments) != 2 {
		return badArg("args %v, want [resource, params]", inv.Arguments)
	}
	params, ok := inv.Arguments[1].([]any)
	if !ok {
		return badArg("params %T", inv.Arguments[1])
	}
	return nxclient.InvokeResult{Args: wamp.List{wamp.List{fmt.Sprintf("%v %v", inv.Arguments[0], params), 0.75, nil}}}
}

var errNoCancel = errors.New("no canceled invocation")

// waitCanceled waits for the fake to see task's invocation canceled.
func (f *fake) waitCanceled(d time.Duration) (string, error) {
	select {
	case t := <-f.canceled:
		return t, nil
	case <-time.After(d):
		return "", errNoCancel
	}
}
