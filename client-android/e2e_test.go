package client_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
)

// TestEndToEnd runs the SDK against a running mamoc server, e.g.
//
//	mamoc-server -listen 127.0.0.1:18080 &
//	MAMOC_E2E_URL=ws://127.0.0.1:18080/ws go test -run EndToEnd ./client-android/
//
// It is skipped without MAMOC_E2E_URL.
func TestEndToEnd(t *testing.T) {
	url := os.Getenv("MAMOC_E2E_URL")
	if url == "" {
		t.Skip("MAMOC_E2E_URL not set")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer func() { _ = c.Close() }()

	src, err := os.ReadFile("../examples/nqueens/Queens.java")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Deploy(ctx, string(src), "")
	if err != nil || d.Task != "uk.ac.standrews.cs.mamoc_demo.NQueens.Queens" || len(d.CtorParams) != 1 || d.CtorParams[0].Type != "int" {
		t.Fatalf("Deploy(Queens.java) = %+v, %v", d, err)
	}
	res, err := c.Run(ctx, d.Task, []any{8}, client.RunOptions{Timeout: 30 * time.Second})
	if err != nil || res.Output != "nothing" || !res.Void || res.ExecTime <= 0 || res.ExecutionID == "" {
		t.Errorf("Run(Queens, 8) = %+v, %v, want output nothing", res, err)
	}
	if res, err := c.RunLegacy(ctx, d.Task, "", []any{8}); err != nil || res.Output != "nothing" {
		t.Errorf("RunLegacy(Queens, 8) = %+v, %v", res, err)
	}
	tasks, err := c.Tasks(ctx)
	if err != nil || !slices.ContainsFunc(tasks, func(ti client.TaskInfo) bool { return ti.Task == d.Task }) {
		t.Errorf("Tasks = %+v, %v, want %s listed", tasks, err, d.Task)
	}

	_, err = c.Deploy(ctx, "package p;\npublic class Broken {\n  public Broken() {}\n  public int run() { return x; }\n}\n", "")
	if e, ok := errors.AsType[*client.Error](err); !errors.Is(err, client.ErrCompile) || !ok || len(e.Diagnostics) == 0 {
		t.Errorf("Deploy(broken) = %v, want ErrCompile with diagnostics", err)
	}
	if _, err := c.Run(ctx, "no.such.Task", nil, client.RunOptions{}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Run(no.such.Task) = %v, want ErrNotFound", err)
	}

	fib, err := os.ReadFile("../examples/fibonacci/Fibonacci.java")
	if err != nil {
		t.Fatal(err)
	}
	fd, err := c.Deploy(ctx, string(fib), "")
	if err != nil {
		t.Fatalf("Deploy(Fibonacci.java): %v", err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 500*time.Millisecond)
	start := time.Now()
	_, err = c.Run(cctx, fd.Task, []any{55}, client.RunOptions{})
	ccancel()
	if !errors.Is(err, client.ErrCanceled) || time.Since(start) > 15*time.Second {
		t.Errorf("Run(Fibonacci, 55) canceled after 0.5 s = %v after %v, want ErrCanceled soon", err, time.Since(start))
	}
	if _, err := c.Run(ctx, fd.Task, []any{20}, client.RunOptions{}); err != nil {
		t.Errorf("Run after a cancel: %v", err)
	}

	st, err := c.Stats(ctx)
	if err != nil || st.Cores == 0 || st.ServerID == "" {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	got := make(chan client.Stats, 1)
	stop, err := c.SubscribeStats(ctx, func(s client.Stats) {
		select {
		case got <- s:
		default:
		}
	})
	if err != nil {
		t.Fatalf("SubscribeStats: %v", err)
	}
	defer stop()
	select {
	case s := <-got:
		if s.ServerID != st.ServerID {
			t.Errorf("stats event from %q, want %q", s.ServerID, st.ServerID)
		}
	case <-time.After(12 * time.Second):
		t.Error("no stats event within 12 s")
	}
}
