package unikerneltest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// NewDriverFunc returns a fresh driver for one test.
type NewDriverFunc func(t *testing.T) unikernel.Driver

// Store is an InstanceStore that keeps records in memory.
type Store struct {
	mu      sync.Mutex // guards the fields below
	Records map[string]unikernel.InstanceRecord
	Puts    int
	Deletes int
}

// PutInstance records rec.
func (s *Store) PutInstance(_ context.Context, rec unikernel.InstanceRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Records == nil {
		s.Records = map[string]unikernel.InstanceRecord{}
	}
	s.Records[rec.ID] = rec
	s.Puts++
	return nil
}

// DeleteInstance forgets id.
func (s *Store) DeleteInstance(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.Records, id)
	s.Deletes++
	return nil
}

// Snapshot copies the records.
func (s *Store) Snapshot() map[string]unikernel.InstanceRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]unikernel.InstanceRecord{}
	for k, v := range s.Records {
		m[k] = v
	}
	return m
}

// Logger logs to t.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// NewRuntime starts a Runtime on drv with small test limits, closed at cleanup.
func NewRuntime(t testing.TB, drv unikernel.Driver, cfg unikernel.Config, store unikernel.InstanceStore) *unikernel.Runtime {
	t.Helper()
	if cfg.Limits.WallTime == 0 {
		cfg.Limits.WallTime = 20 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = Logger(t)
	}
	rt, err := unikernel.NewWithDriver(cfg, drv, store)
	if err != nil {
		t.Fatalf("NewWithDriver: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

// Compile compiles Sources for app or fails the test.
func Compile(t testing.TB, rt *unikernel.Runtime, app string) unikernel.Artifact {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	art, err := rt.Compile(ctx, app, Sources)
	if err != nil {
		t.Fatalf("Compile(%s) = %v", app, err)
	}
	return art
}

// testUnknownTask checks that a driver answers an id it never started with ErrNotFound,
// and that stopping it is a no-op.
func testUnknownTask(t *testing.T, drv unikernel.Driver) {
	ctx := context.Background()
	if _, err := drv.WaitTask(ctx, "never-started"); !errors.Is(err, unikernel.ErrNotFound) {
		t.Errorf("WaitTask(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := drv.InspectTask("never-started"); !errors.Is(err, unikernel.ErrNotFound) {
		t.Errorf("InspectTask(unknown) = %v, want ErrNotFound", err)
	}
	if err := drv.StopTask(ctx, "never-started"); err != nil {
		t.Errorf("StopTask(unknown) = %v, want nil (idempotent)", err)
	}
}

// RunDriverTests runs the conformance suite against the driver newDriver returns:
// start, compile, load, invoke, progress, cancel, timeout, crash, stop, stats.
func RunDriverTests(t *testing.T, newDriver NewDriverFunc) {
	t.Run("StartStop", func(t *testing.T) { testStartStop(t, newDriver(t)) })
	t.Run("UnknownTask", func(t *testing.T) { testUnknownTask(t, newDriver(t)) })

	drv := newDriver(t)
	store := &Store{}
	rt := NewRuntime(t, drv, unikernel.Config{AllowWeakIsolation: true, Spare: -1, MaxCallsPerInstance: 1000}, store)
	art := Compile(t, rt, "conf")
	ctx := context.Background()
	call := func(c unikernel.Call) (unikernel.Result, error) {
		c.Group, c.Artifact = "conf", art
		return rt.Invoke(ctx, c)
	}
	t.Run("Fingerprint", func(t *testing.T) {
		fp := rt.Fingerprint()
		if fp.Health == "" || fp.Health == unikernel.HealthUndetected || fp.Description == "" {
			t.Errorf("Fingerprint() = %+v, want a detected health and a description", fp)
		}
	})
	t.Run("CompileError", func(t *testing.T) {
		_, err := rt.Compile(ctx, "conf", BrokenSource)
		var ce *unikernel.CompileError
		if !errors.As(err, &ce) {
			t.Fatalf("Compile(broken) = %v, want *CompileError", err)
		}
		if len(ce.Diagnostics) == 0 || ce.Diagnostics[0].Line != 3 || ce.Diagnostics[0].Source != "demo.Broken" ||
			!strings.Contains(ce.Diagnostics[0].Message, "undefinedThing") {
			t.Errorf("diagnostics = %+v, want line 3 of demo.Broken about undefinedThing", ce.Diagnostics)
		}
	})
	t.Run("Invoke", func(t *testing.T) {
		tests := []struct {
			name     string
			call     unikernel.Call
			output   string
			json     string
			void     bool
			contains string
		}{
			{name: "mamoc shape", call: unikernel.Call{Class: "demo.Queens", Args: []any{float64(8)}}, output: "92", json: "92"},
			{name: "numeric string", call: unikernel.Call{Class: "demo.Queens", Args: []any{"6"}}, output: "4"},
			{name: "declared types", call: unikernel.Call{Class: "demo.Queens", ParamTypes: []string{"int"}, Args: []any{int64(5)}}, output: "10"},
			{name: "void run", call: unikernel.Call{Class: "demo.Void", Args: []any{1.0}}, void: true},
			{name: "static array", call: unikernel.Call{Class: "demo.Echo", Method: "squares", Args: []any{4.0}}, output: "[0, 1, 4, 9]", json: "[0,1,4,9]"},
			{name: "byte[] as base64", call: unikernel.Call{Class: "demo.Echo", Method: "bytes", Args: []any{"hi"}}, output: "[104, 105]", json: `"aGk="`},
			{name: "overload by type", call: unikernel.Call{Class: "demo.Echo", Method: "twice", Args: []any{"ab"}}, output: "abab"},
			{name: "overload by type int", call: unikernel.Call{Class: "demo.Echo", Method: "twice", Args: []any{21.0}}, output: "42"},
			{name: "static void in place", call: unikernel.Call{Class: "demo.Echo", Method: "sort", Args: []any{[]any{3.0, 1.0, 2.0}}}, output: "[[1, 2, 3]]", json: "[[1,2,3]]"},
			{name: "static void", call: unikernel.Call{Class: "demo.Echo", Method: "nothing"}, void: true},
			{name: "all types", call: unikernel.Call{Class: "demo.Echo", Method: "all", Args: []any{
				1.0, int64(1) << 40, 2.5, true, "s", []any{1.0, 2.0}, "AQI=", []any{"x", "y"}, "c", 7.0, 1.5}},
				output: "1|1099511627776|2.5|true|s|[1, 2]|[1, 2]|[x, y]|c|7|1.5"},
			{name: "large string", call: unikernel.Call{Class: "demo.Echo", Method: "len", Args: []any{strings.Repeat("x", 4<<20)}}, output: "4194304"},
			{name: "shims", call: unikernel.Call{Class: "demo.Shims"}, output: "x 3 true aGk=", contains: "D/demo: hello"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res, err := call(tc.call)
				if err != nil {
					t.Fatalf("Invoke(%s) = %v", tc.call.Class, err)
				}
				if res.Output != tc.output || res.Void != tc.void {
					t.Errorf("Invoke(%s) = %q void=%v, want %q void=%v", tc.call.Class, res.Output, res.Void, tc.output, tc.void)
				}
				if tc.json != "" && string(res.JSON) != tc.json {
					t.Errorf("Invoke(%s).JSON = %s, want %s", tc.call.Class, res.JSON, tc.json)
				}
				if !strings.Contains(res.Stderr, tc.contains) {
					t.Errorf("Invoke(%s).Stderr = %q, want it to contain %q", tc.call.Class, res.Stderr, tc.contains)
				}
				if res.Instance == "" || res.ExecTime <= 0 {
					t.Errorf("Invoke(%s) instance=%q exec=%v, want both set", tc.call.Class, res.Instance, res.ExecTime)
				}
			})
		}
	})
	t.Run("Instance", func(t *testing.T) {
		tests := []struct {
			name string
			call unikernel.Call
			json string // compared as JSON values
		}{
			{name: "object result", call: unikernel.Call{Class: "demo.Grid", Method: "fill", CtorArgs: []any{int64(3)}},
				json: `{"n":3,"sum":18,"row":[3,4]}`},
			{name: "void returns the object", call: unikernel.Call{Class: "demo.Grid", Method: "grow", CtorArgs: []any{int64(3)}, Args: []any{int64(4)}},
				json: `{"n":7,"sum":0,"row":null}`},
			{name: "no-argument constructor", call: unikernel.Call{Class: "demo.Grid", Method: "area", Args: []any{int64(5)}}, json: `10`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.call.Instance = true
				res, err := call(tc.call)
				if err != nil {
					t.Fatalf("Invoke(%s.%s) = %v", tc.call.Class, tc.call.Method, err)
				}
				var got, want any
				if err := json.Unmarshal(res.JSON, &got); err != nil || json.Unmarshal([]byte(tc.json), &want) != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("Invoke(%s.%s).JSON = %s, want %s", tc.call.Class, tc.call.Method, res.JSON, tc.json)
				}
			})
		}
		_, err := call(unikernel.Call{Class: "demo.Grid", Method: "fill", Instance: true, CtorArgs: []any{1, 2}})
		var ae *unikernel.ArgumentError
		if !errors.As(err, &ae) {
			t.Errorf("Invoke with no matching constructor = %v, want an ArgumentError", err)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		_, err := call(unikernel.Call{Class: "demo.Thrower"})
		var te *unikernel.TaskError
		if !errors.As(err, &te) || te.Class != "java.lang.IllegalStateException" || te.Message != "boom" || !strings.Contains(te.Stack, "demo.Thrower.run") {
			t.Errorf("Invoke(Thrower) = %v, want TaskError IllegalStateException boom with a stack", err)
		}
		for _, args := range [][]any{{"abc"}, {1.5}, {}, {true}} {
			_, err = call(unikernel.Call{Class: "demo.Queens", Args: args})
			var ae *unikernel.ArgumentError
			if !errors.As(err, &ae) {
				t.Errorf("Invoke(Queens, %v) = %v, want *ArgumentError", args, err)
			}
		}
		_, err = call(unikernel.Call{Class: "demo.Missing"})
		if !errors.As(err, &te) || te.Class != "java.lang.ClassNotFoundException" {
			t.Errorf("Invoke(Missing) = %v, want ClassNotFoundException", err)
		}
	})
	t.Run("Progress", func(t *testing.T) {
		var mu sync.Mutex
		var got []string
		res, err := call(unikernel.Call{Class: "demo.Progress", Args: []any{3.0}, Progress: func(m string) {
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
		}})
		if err != nil || res.Output != "3" {
			t.Fatalf("Invoke(Progress) = %q, %v", res.Output, err)
		}
		if strings.Join(got, ",") != "step 1,step 2,step 3" {
			t.Errorf("progress = %q, want step 1..3", got)
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(300*time.Millisecond, cancel)
		_, err := rt.Invoke(cctx, unikernel.Call{Group: "conf", Artifact: art, Class: "demo.Sleep", Args: []any{60000.0}})
		if !errors.Is(err, unikernel.ErrCanceled) {
			t.Errorf("Invoke(Sleep) canceled = %v, want ErrCanceled", err)
		}
		mustWork(t, call)
	})
	t.Run("Timeout", func(t *testing.T) {
		_, err := call(unikernel.Call{Class: "demo.Loop", Limits: unikernel.Limits{WallTime: time.Second}})
		if !errors.Is(err, unikernel.ErrTimeout) {
			t.Errorf("Invoke(Loop) = %v, want ErrTimeout", err)
		}
		mustWork(t, call)
	})
	t.Run("Crash", func(t *testing.T) {
		_, err := call(unikernel.Call{Class: "demo.Exit", Args: []any{3.0}})
		if !errors.Is(err, unikernel.ErrCrashed) {
			t.Errorf("Invoke(Exit) = %v, want ErrCrashed", err)
		}
		mustWork(t, call)
	})
	t.Run("Stats", func(t *testing.T) {
		mustWork(t, call)
		s := rt.Stats()
		if s.Running != 0 || s.Queued != 0 || s.Warm < 1 || s.Booted < 1 {
			t.Errorf("Stats() = %+v, want nothing running, ≥1 warm, ≥1 booted", s)
		}
		var recs map[string]unikernel.InstanceRecord
		idle := 0
		for deadline := time.Now().Add(5 * time.Second); idle == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			recs = store.Snapshot() // the runtime writes records asynchronously
			for _, r := range recs {
				if r.Group == "conf" && r.State == "idle" {
					idle++
				}
			}
		}
		if idle < 1 {
			t.Errorf("store records = %+v, want an idle instance of conf", recs)
		}
	})
}

func mustWork(t *testing.T, call func(unikernel.Call) (unikernel.Result, error)) {
	t.Helper()
	res, err := call(unikernel.Call{Class: "demo.Queens", Args: []any{6.0}})
	if err != nil || res.Output != "4" {
		t.Fatalf("next normal task = %q, %v; want 4", res.Output, err)
	}
}

func testStartStop(t *testing.T, drv unikernel.Driver) {
	im := TestImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h, err := drv.StartTask(ctx, unikernel.TaskConfig{ID: "conf-start", Group: "x", RootFS: im.RootFS, Argv: im.AgentArgv(128), MemoryMB: 128, PidsMax: 128, TmpMB: 16})
	if err != nil {
		t.Fatalf("StartTask = %v", err)
	}
	if h.ID != "conf-start" || h.Conn == nil {
		t.Fatalf("StartTask = %+v, want id and conn", h)
	}
	wctx, wcancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = drv.WaitTask(wctx, h.ID)
	wcancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitTask(running) = %v, want deadline exceeded", err)
	}
	if _, err := drv.InspectTask(h.ID); err != nil {
		t.Errorf("InspectTask(running) = %v", err)
	}
	if err := drv.StopTask(ctx, h.ID); err != nil {
		t.Errorf("StopTask = %v", err)
	}
	if err := drv.StopTask(ctx, h.ID); err != nil {
		t.Errorf("StopTask twice = %v, want nil", err)
	}
	_ = h.Conn.Close()
	if _, err := drv.InspectTask(h.ID); err == nil {
		t.Errorf("InspectTask(stopped) = nil error, want one")
	}
}

// TestImage builds (or reuses) the base image in the default image directory.
func TestImage(t testing.TB) *unikernel.Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	im, err := unikernel.BuildImage(ctx, unikernel.DefaultImageDir(), "")
	if err != nil {
		t.Fatalf("BuildImage = %v", err)
	}
	return im
}
