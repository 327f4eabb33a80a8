package mobile_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"
	"go.uber.org/goleak"

	client "github.com/mamoc-go/mamoc/client-android"
	"github.com/mamoc-go/mamoc/client-android/mobile"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeServer is a protocol-test stand-in for mamoc-server: a real router on 127.0.0.1:0 and a
// local session answering mamoc.* with canned results. It returns the WebSocket URL and the
// server session, for publishing.
func fakeServer(t *testing.T) (string, *nxclient.Client) {
	t.Helper()
	r, err := router.New(router.Config{Users: []router.User{{AuthID: "phone1", Role: router.RolePhone, Ticket: "secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() { _ = hs.Serve(l); close(served) }()
	srv, err := r.ConnectLocal(nxclient.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(); _ = hs.Close(); _ = r.Close(); <-served })

	var mu sync.Mutex // guards have
	have := map[string]bool{}
	handlers := map[string]nxclient.InvocationHandler{
		"mamoc.task.deploy": func(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
			if src, _ := inv.ArgumentsKw["source"].(string); strings.Contains(src, "Range") {
				return nxclient.InvokeResult{Kwargs: wamp.Dict{"task": "p.Range", "source_sha256": "cd", "compiled": true,
					"ctor_params": wamp.List{wamp.Dict{"name": "from", "type": "int"}, wamp.Dict{"name": "to", "type": "int"}}, "run_return_type": "int"}}
			}
			return nxclient.InvokeResult{Kwargs: wamp.Dict{"task": "p.Queens", "source_sha256": "ab", "compiled": true,
				"ctor_params": wamp.List{wamp.Dict{"name": "N", "type": "int"}}, "resource_dependent": false, "run_return_type": "void"}}
		},
		"mamoc.task.run": func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
			kw := inv.ArgumentsKw
			switch kw["task"] {
			case "p.Fail":
				return nxclient.InvokeResult{Err: "mamoc.error.runtime", Args: wamp.List{"boom"}, Kwargs: wamp.Dict{"exception": "java.lang.RuntimeException"}}
			case "p.Block":
				<-ctx.Done()
				return nxclient.InvokeResult{Err: wamp.ErrCanceled}
			}
			_ = srv.SendProgress(ctx, nil, wamp.Dict{"progress": "half"})
			out := fmt.Sprintf("%v res=%v sha=%v timeout=%v", kw["params"], kw["resource"], kw["resource_sha256"], kw["timeout_ms"])
			return nxclient.InvokeResult{Kwargs: wamp.Dict{"output": out, "exec_time_s": 1.5, "queue_time_s": 0.5,
				"instance": "i", "site": "s", "execution_id": "e"}}
		},
		"mamoc.task.list": func(context.Context, *wamp.Invocation) nxclient.InvokeResult {
			return nxclient.InvokeResult{Kwargs: wamp.Dict{"tasks": wamp.List{wamp.Dict{"task": "p.Queens", "kind": "deployed"}}}}
		},
		"mamoc.resource.missing": func(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
			mu.Lock()
			defer mu.Unlock()
			missing := wamp.List{}
			for _, s := range inv.ArgumentsKw["sha256"].([]any) {
				if !have[s.(string)] {
					missing = append(missing, s)
				}
			}
			return nxclient.InvokeResult{Kwargs: wamp.Dict{"missing": missing}}
		},
		"mamoc.resource.put": func(_ context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
			sha := client.SHA256(inv.Arguments[0].([]byte))
			mu.Lock()
			have[sha] = true
			mu.Unlock()
			return nxclient.InvokeResult{Kwargs: wamp.Dict{"sha256": sha, "size": len(inv.Arguments[0].([]byte))}}
		},
		"mamoc.stats.get": func(context.Context, *wamp.Invocation) nxclient.InvokeResult {
			return nxclient.InvokeResult{Args: wamp.List{4800.0, 2000, 80}, Kwargs: wamp.Dict{"cores": 2, "server_id": "srv"}}
		},
	}
	for proc, h := range handlers {
		if err := srv.Register(proc, h, nil); err != nil {
			t.Fatal(err)
		}
	}
	return "ws://" + l.Addr().String() + "/ws", srv
}

func newClient(t *testing.T, url string) *mobile.Client {
	t.Helper()
	c, err := mobile.NewClient(url, "phone1", "secret")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

type progress struct {
	mu   sync.Mutex // guards msgs
	msgs []string
}

func (p *progress) OnProgress(m string) { p.mu.Lock(); p.msgs = append(p.msgs, m); p.mu.Unlock() }

func TestRun(t *testing.T) {
	url, _ := fakeServer(t)
	c := newClient(t, url)
	tests := []struct {
		params, resource string
		timeoutMs        int
		want             string
	}{
		{"", "", 0, "[] res=<nil> sha=<nil> timeout=<nil>"},
		{"[13]", "", 500, "[13] res=<nil> sha=<nil> timeout=500"},
		{`["the", 2.5, true, -7]`, "small.txt", 0, "[the 2.5 true -7] res=small.txt sha=<nil> timeout=<nil>"},
	}
	for _, tt := range tests {
		r, err := c.Run("p.Queens", tt.params, tt.resource, tt.timeoutMs)
		if err != nil || r.Output != tt.want || r.ExecTimeS != 1.5 || r.QueueTimeS != 0.5 || r.Instance != "i" {
			t.Errorf("Run(%q, %q, %d) = %+v, %v, want output %q", tt.params, tt.resource, tt.timeoutMs, r, err, tt.want)
		}
	}
	if _, err := c.Run("p.Queens", "{not json", "", 0); !errors.Is(err, client.ErrBadArgument) {
		t.Errorf("Run with bad JSON = %v, want ErrBadArgument", err)
	}
	_, err := c.Run("p.Fail", "[]", "", 0)
	if got := mobile.ErrorURI(err); got != "mamoc.error.runtime" || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Run of a failing task = %v (URI %q), want mamoc.error.runtime", err, got)
	}
	var p progress
	if _, err := c.RunWithProgress("p.Queens", "[1]", "", 0, &p); err != nil || len(p.msgs) != 1 || p.msgs[0] != "half" {
		t.Errorf("RunWithProgress = %v, progress %q, want [half]", err, p.msgs)
	}
}

func TestDeployResourcesTasks(t *testing.T) {
	url, _ := fakeServer(t)
	c := newClient(t, url)
	d, err := c.Deploy("package p; public class Queens {}")
	if err != nil || d.Task != "p.Queens" || !d.Compiled || d.CtorParamsJSON != `[{"name":"N","type":"int"}]` {
		t.Errorf("Deploy = %+v, %v", d, err)
	}
	content := []byte("some text")
	sha, err := c.PutResource("small.txt", content)
	if err != nil || sha != client.SHA256(content) {
		t.Fatalf("PutResource = %q, %v", sha, err)
	}
	r, err := c.Run("p.Queens", "", "small.txt", 0)
	if err != nil || !strings.Contains(r.Output, "sha="+sha) {
		t.Errorf("Run with an uploaded resource = %+v, %v, want its sha256 sent", r, err)
	}
	js, err := c.TasksJSON()
	if err != nil || !strings.Contains(js, `"task":"p.Queens"`) {
		t.Errorf("TasksJSON = %s, %v", js, err)
	}
}

type statsHandler chan *mobile.Stats

func (h statsHandler) OnStats(s *mobile.Stats) { h <- s }

func TestStats(t *testing.T) {
	url, srv := fakeServer(t)
	c := newClient(t, url)
	s, err := c.Stats()
	if err != nil || s.CPUMHzTotal != 4800 || s.MemTotalMB != 2000 || s.Battery != 80 || s.Cores != 2 || s.ServerID != "srv" {
		t.Errorf("Stats = %+v, %v", s, err)
	}
	h := make(statsHandler, 4)
	sub, err := c.SubscribeStats(h)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	if err := srv.Publish(api.TopicStats, nil, wamp.List{1.0, 2, 3}, wamp.Dict{"queue_length": 5}); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-h:
		if s.QueueLength != 5 || s.Battery != 3 {
			t.Errorf("OnStats got %+v, want queue 5, battery 3", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no stats event")
	}
}

func TestCancelAll(t *testing.T) {
	url, _ := fakeServer(t)
	c := newClient(t, url)
	errc := make(chan error, 1)
	go func() { _, err := c.Run("p.Block", "", "", 0); errc <- err }()
	time.Sleep(100 * time.Millisecond)
	c.CancelAll()
	select {
	case err := <-errc:
		if !errors.Is(err, client.ErrCanceled) {
			t.Errorf("Run after CancelAll = %v, want ErrCanceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after CancelAll")
	}
	if _, err := c.Run("p.Queens", "[1]", "", 0); err != nil {
		t.Errorf("Run after CancelAll: %v", err)
	}
}

func TestNewClientRefused(t *testing.T) {
	url, _ := fakeServer(t)
	if _, err := mobile.NewClient(url, "phone1", "wrong"); err == nil {
		t.Error("NewClient with a wrong ticket succeeded")
	}
}

// TestSites: the multi-site facade splits a range task across two sites and merges in order.
func TestSites(t *testing.T) {
	urlA, _ := fakeServer(t)
	urlB, _ := fakeServer(t)
	s, err := mobile.NewSites()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	for name, url := range map[string]string{"a": urlA, "b": urlB} {
		if err := s.AddSite(name, url, "", "", ""); err != nil {
			t.Fatalf("AddSite(%s) = %v", name, err)
		}
	}
	if err := s.AddSite("bad name", urlA, "", "", ""); !errors.Is(err, client.ErrBadArgument) {
		t.Errorf("AddSite(bad name) = %v, want ErrBadArgument", err)
	}
	res, err := s.Run("class Range {}", "[]", nil, "range:0:1000", "concat", 30000, nil)
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	lines := strings.Split(res.Output, "\n")
	if len(lines) != res.Chunks || res.Chunks < 3 || !strings.HasPrefix(lines[0], "[0 ") || res.Failovers != 0 {
		t.Errorf("Run = %+v, want %d ordered chunk outputs starting at 0", res, res.Chunks)
	}
	if !strings.Contains(res.SharesJSON, `"site":"a"`) || !strings.Contains(res.SharesJSON, `"site":"b"`) {
		t.Errorf("shares = %s, want both sites", res.SharesJSON)
	}
	if _, err := s.Run("class Q {}", "[]", nil, "diagonal", "", 0, nil); !errors.Is(err, client.ErrBadArgument) {
		t.Errorf("Run(split diagonal) = %v, want ErrBadArgument", err)
	}
	js, err := s.SitesJSON()
	if err != nil || !strings.Contains(js, `"connected":true`) {
		t.Errorf("SitesJSON = %s, %v", js, err)
	}
	if err := s.RemoveSite("b"); err != nil {
		t.Errorf("RemoveSite(b) = %v", err)
	}
}
