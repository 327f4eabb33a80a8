package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/internal/apktest"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server"
	"github.com/mamoc-go/mamoc/server/api"
)

// TestTasksSurviveRestart deploys a source task and refactors an APK, restarts the server on
// the same data directory, and calls both without deploying or uploading again.
func TestTasksSurviveRestart(t *testing.T) {
	data := t.TempDir()
	cfg := server.Config{DataDir: data, StatsInterval: time.Hour, Listen: "127.0.0.1:0", RawSocketListen: "off",
		Router: router.Config{Users: []router.User{edgeUser}}}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// An instance method of TestActivity.apk (new TestInvoke().TestInvoke1(n), a chain of calls).
	const instanceProc = "mamoc.app.tests.androguard.TestInvoke.TestInvoke1"
	var before any
	run := func(body func(srv *server.Server)) {
		srv, err := server.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Run(rctx) }()
		select {
		case <-srv.Ready():
		case err := <-done:
			t.Fatalf("Run = %v", err)
		}
		body(srv)
		stop()
		if err := <-done; !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Run = %v, want ErrServerClosed", err)
		}
	}
	run(func(srv *server.Server) {
		edge := dial(ctx, t, wsURL(srv), serialize.CBOR, "edge1", "edge-ticket")
		if _, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": echoTask}, nil); err != nil {
			t.Fatalf("deploy: %v", err)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr().String()+"/api/apps", bytes.NewReader(apktest.Read(t, "TestActivity.apk")))
		req.SetBasicAuth("edge1", "edge-ticket")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var up struct{ Job string }
		if err := jsonDecode(resp, &up); err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, "http://"+srv.Addr().String(), up.Job); j["state"] != "done" {
			t.Fatalf("job = %v", j)
		}
		res, err := edge.Call(ctx, instanceProc, nil, wamp.List{4}, nil, nil)
		if err != nil {
			t.Fatalf("call the refactored instance method: %v", err)
		}
		before = res.Arguments[0]
		_ = edge.Close()
	})
	run(func(srv *server.Server) {
		phone := dial(ctx, t, wsURL(srv), serialize.CBOR, "", "")
		res, err := phone.Call(ctx, "uk.test.shell.Echo", nil, wamp.List{nil, wamp.List{"again", 3}}, nil, nil)
		if err != nil {
			t.Fatalf("call the source task after a restart: %v", err)
		}
		if tuple, _ := wamp.AsList(res.Arguments[0]); len(tuple) != 3 || tuple[0] != "[again|3]" || tuple[2] != nil {
			t.Errorf("Echo after restart = %v, want [[[again|3], duration, null]]", res.Arguments)
		}
		res, err = phone.Call(ctx, "mamoc.app.tests.androguard.Eratosthene.eratosthenes", nil, wamp.List{20}, nil, nil)
		if err != nil {
			t.Fatalf("call the refactored sieve after a restart: %v", err)
		}
		if got := fmt.Sprint(res.Arguments[0]); got != "[2 3 5 7 11 13 17 19]" {
			t.Errorf("sieve(20) after restart = %s", got)
		}
		res, err = phone.Call(ctx, instanceProc, nil, nil, api.AppCall{Args: []any{4}}.Kwargs(), nil)
		if err != nil {
			t.Fatalf("call the refactored instance method after a restart: %v", err)
		}
		if got := res.Arguments[0]; !isInt(got) || got != before {
			t.Errorf("%s(4) after restart = %#v, want the integer %#v as before", instanceProc, got, before)
		}
		_ = phone.Close()
	})
}
