package process_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/process"
)

func newRuntime(t *testing.T, cfg unikernel.Config) *unikernel.Runtime {
	t.Helper()
	d, err := process.New(process.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rt, err := unikernel.NewWithDriver(cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func TestSmoke(t *testing.T) {
	rt := newRuntime(t, unikernel.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	art, err := rt.Compile(ctx, "app1", map[string]string{"demo.Queens": `package demo;
public class Queens { int n; public Queens(int n){this.n=n;} public int run(){ return n*2; } }`})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rt.Invoke(ctx, unikernel.Call{App: "app1", Artifact: art, Class: "demo.Queens", Args: []any{float64(21)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Output != "42" {
		t.Fatalf("output = %q, want 42", res.Output)
	}
}
