package unikernel_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  unikernel.Config
		ok   bool
	}{
		{"defaults", unikernel.Config{}, true},
		{"concurrency above instances", unikernel.Config{MaxConcurrent: 33, MaxInstances: 8, InstanceConcurrency: 4}, false},
		{"min warm above per app", unikernel.Config{MinWarm: 3, MaxPerApp: 2}, false},
		{"limits above max", unikernel.Config{Limits: unikernel.Limits{MemoryMB: 2048}}, false},
		{"tiny memory", unikernel.Config{Limits: unikernel.Limits{MemoryMB: 16}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := unikernel.NewWithDriver(tc.cfg, nil, nil)
			if tc.ok {
				return // a nil driver fails later; only config errors matter here
			}
			if err == nil {
				t.Errorf("NewWithDriver(%+v) = nil error, want a config error", tc.cfg)
			}
		})
	}
}

func TestArtifactJarRoundTrip(t *testing.T) {
	a := unikernel.NewArtifact(map[string][]byte{"a.B": {0xca, 0xfe}, "a.B$1": {1, 2, 3}})
	jar, err := a.Jar()
	if err != nil {
		t.Fatal(err)
	}
	b, err := unikernel.ArtifactFromJar(jar)
	if err != nil {
		t.Fatal(err)
	}
	if b.Hash != a.Hash || len(b.Classes) != 2 || string(b.Classes["a.B$1"]) != "\x01\x02\x03" {
		t.Errorf("ArtifactFromJar(Jar(a)) = %+v, want %+v", b, a)
	}
	if c := unikernel.NewArtifact(map[string][]byte{"a.B": {0xca, 0xff}}); c.Hash == a.Hash {
		t.Errorf("different classes share hash %s", c.Hash)
	}
}

func TestUnknownDriver(t *testing.T) {
	_, err := unikernel.New(unikernel.Config{Driver: "nope"}, nil)
	if !errors.Is(err, unikernel.ErrUnknownDriver) {
		t.Errorf("New(driver nope) = %v, want ErrUnknownDriver", err)
	}
}

func TestRegistry(t *testing.T) {
	unikernel.RegisterForTest(t, "fake-test", func() (unikernel.Driver, error) { return unikerneltest.NewFakeDriver(), nil })
	defer func() {
		if recover() == nil {
			t.Errorf("Register of a duplicate did not panic")
		}
	}()
	unikernel.Register("fake-test", func() (unikernel.Driver, error) { return nil, nil })
}

func TestWeakIsolationRefused(t *testing.T) {
	_, err := unikernel.NewWithDriver(unikernel.Config{}, unikerneltest.NewFakeDriver(), nil)
	if !errors.Is(err, unikernel.ErrWeakIsolation) {
		t.Errorf("NewWithDriver(fake) = %v, want ErrWeakIsolation", err)
	}
}

// TestBusyQueue fills the one slot and the one queue place; the next call must fail at once.
func TestBusyQueue(t *testing.T) {
	rt := unikerneltest.NewRuntime(t, unikerneltest.NewFakeDriver(), unikernel.Config{AllowWeakIsolation: true, Spare: -1,
		MaxConcurrent: 1, MaxPerApp: 1, MinWarm: 1, MaxInstances: 2, QueueLen: 1}, nil)
	art := unikerneltest.Compile(t, rt, "busy")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sleep := unikernel.Call{Group: "busy", Artifact: art, Class: "demo.Sleep", Args: []any{1500.0}}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = rt.Invoke(ctx, sleep)
		}()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			s := rt.Stats()
			if s.Running+s.Queued == i+1 {
				break
			}
		}
	}
	if s := rt.Stats(); s.Running != 1 || s.Queued != 1 {
		t.Fatalf("Stats() = %+v, want 1 running and 1 queued", s)
	}
	t0 := time.Now()
	_, err := rt.Invoke(ctx, sleep)
	if !errors.Is(err, unikernel.ErrBusy) || time.Since(t0) > time.Second {
		t.Errorf("Invoke on a full queue = %v after %v, want ErrBusy at once", err, time.Since(t0))
	}
	// another app is limited by the global slot too
	_, err = rt.Invoke(ctx, unikernel.Call{Group: "other", Artifact: art, Class: "demo.Queens", Args: []any{4.0}})
	if !errors.Is(err, unikernel.ErrBusy) {
		t.Errorf("Invoke(other app) on a full queue = %v, want ErrBusy", err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d = %v, want success", i, err)
		}
	}
}

// TestIdleTimeout runs two calls of one app at once (two instances), then waits for the idle
// reaper to stop the one above MinWarm.
func TestIdleTimeout(t *testing.T) {
	store := &unikerneltest.Store{}
	rt := unikerneltest.NewRuntime(t, unikerneltest.NewFakeDriver(), unikernel.Config{AllowWeakIsolation: true, Spare: -1,
		MinWarm: 1, MaxPerApp: 2, InstanceConcurrency: 1, IdleTimeout: 300 * time.Millisecond}, store)
	art := unikerneltest.Compile(t, rt, "idle")
	var wg sync.WaitGroup
	ids := make([]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := rt.Invoke(context.Background(), unikernel.Call{Group: "idle", Artifact: art, Class: "demo.Sleep", Args: []any{700.0}})
			if err != nil {
				t.Errorf("Invoke = %v", err)
			}
			ids[i] = res.Instance
		}()
	}
	wg.Wait()
	if ids[0] == ids[1] {
		t.Fatalf("concurrent calls shared instance %s", ids[0])
	}
	if s := rt.Stats(); s.Warm != 2 {
		t.Fatalf("Stats().Warm = %d after two concurrent calls, want 2", s.Warm)
	}
	deadline := time.Now().Add(10 * time.Second)
	for rt.Stats().Warm != 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if s := rt.Stats(); s.Warm != 1 {
		t.Errorf("Stats().Warm = %d after the idle timeout, want MinWarm 1", s.Warm)
	}
	for deadline := time.Now().Add(5 * time.Second); len(store.Snapshot()) != 1 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if recs := store.Snapshot(); len(recs) != 1 {
		t.Errorf("store holds %d instances, want 1", len(recs))
	}
}

// TestEviction keeps at most two instances: a third app evicts the least recently used idle one.
// TestStoreFlushedOnClose: after Close the store holds no instance.
func TestStoreFlushedOnClose(t *testing.T) {
	store := &unikerneltest.Store{}
	rt := unikerneltest.NewRuntime(t, unikerneltest.NewFakeDriver(), unikernel.Config{AllowWeakIsolation: true}, store)
	art := unikerneltest.Compile(t, rt, "s")
	if _, err := rt.Invoke(context.Background(), unikernel.Call{Group: "s", Artifact: art, Class: "demo.Queens", Args: []any{4.0}}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if recs := store.Snapshot(); len(recs) != 0 || store.Puts == 0 {
		t.Errorf("store after Close = %d records (%d puts), want 0 records after some puts", len(recs), store.Puts)
	}
}

func TestEviction(t *testing.T) {
	rt := unikerneltest.NewRuntime(t, unikerneltest.NewFakeDriver(), unikernel.Config{AllowWeakIsolation: true, Spare: -1,
		MaxConcurrent: 1, MaxInstances: 2}, nil)
	art := unikerneltest.Compile(t, rt, "a")
	seen := map[string]string{}
	for _, app := range []string{"a", "b", "c", "c", "a"} {
		res, err := rt.Invoke(context.Background(), unikernel.Call{Group: app, Artifact: art, Class: "demo.Queens", Args: []any{5.0}})
		if err != nil || res.Output != "10" {
			t.Fatalf("Invoke(%s) = %q, %v", app, res.Output, err)
		}
		if prev, ok := seen[res.Instance]; ok && prev != app {
			t.Errorf("instance %s served %s and then %s", res.Instance, prev, app)
		}
		seen[res.Instance] = app
		if s := rt.Stats(); s.Instances > 2 {
			t.Errorf("Stats().Instances = %d, want ≤ MaxInstances 2", s.Instances)
		}
	}
	if len(seen) != 4 {
		t.Errorf("instances used = %v, want 4 (a, b, c, then a again after its eviction)", seen)
	}
}

// TestMemoryLimitPicksInstance: a call with another memory limit never runs on an instance booted
// with a different one.
func TestMemoryLimitPicksInstance(t *testing.T) {
	rt := unikerneltest.NewRuntime(t, unikerneltest.NewFakeDriver(), unikernel.Config{AllowWeakIsolation: true, Spare: -1}, nil)
	art := unikerneltest.Compile(t, rt, "m")
	ids := map[int]string{}
	for _, mb := range []int{0, 128, 0, 128} {
		res, err := rt.Invoke(context.Background(), unikernel.Call{Group: "m", Artifact: art, Class: "demo.Queens", Args: []any{4.0},
			Limits: unikernel.Limits{MemoryMB: mb}})
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := ids[mb]; ok && prev != res.Instance {
			t.Errorf("MemoryMB %d ran on %s, then on %s; want its warm instance", mb, prev, res.Instance)
		}
		ids[mb] = res.Instance
	}
	if ids[0] == ids[128] {
		t.Errorf("default and 128 MiB calls shared instance %s", ids[0])
	}
}

// TestCloseDuringCall: Close kills a running call, which then fails with ErrClosed, and leaves no instance.
func TestCloseDuringCall(t *testing.T) {
	store := &unikerneltest.Store{}
	rt := unikerneltest.NewRuntime(t, unikerneltest.NewFakeDriver(), unikernel.Config{AllowWeakIsolation: true}, store)
	art := unikerneltest.Compile(t, rt, "c")
	errc := make(chan error, 1)
	go func() {
		_, err := rt.Invoke(context.Background(), unikernel.Call{Group: "c", Artifact: art, Class: "demo.Sleep", Args: []any{30000.0}})
		errc <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); rt.Stats().Running == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, unikernel.ErrClosed) {
			t.Errorf("Invoke during Close = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Invoke did not return after Close")
	}
	if s := rt.Stats(); s.Instances != 0 {
		t.Errorf("Stats() after Close = %+v, want no instances", s)
	}
	if recs := store.Snapshot(); len(recs) != 0 {
		t.Errorf("store after Close = %v, want empty", recs)
	}
	if _, err := rt.Invoke(context.Background(), unikernel.Call{Group: "c", Artifact: art, Class: "demo.Queens", Args: []any{4.0}}); !errors.Is(err, unikernel.ErrClosed) {
		t.Errorf("Invoke after Close = %v, want ErrClosed", err)
	}
}

// TestSharedInstance runs four calls of one app at once in one instance (MaxPerApp 1): a call
// past its wall time is canceled in the agent while the others finish with their own output,
// and a short call is not held up behind a long one the agent runs on its reading thread.
func TestSharedInstance(t *testing.T) {
	rt := unikerneltest.NewRuntime(t, unikerneltest.NewFakeDriver(), unikernel.Config{AllowWeakIsolation: true, Spare: -1,
		MinWarm: 1, MaxPerApp: 1, InstanceConcurrency: 4}, nil)
	art := unikerneltest.Compile(t, rt, "shared")
	ctx := context.Background()
	if _, err := rt.Invoke(ctx, unikernel.Call{Group: "shared", Artifact: art, Class: "demo.Void", Args: []any{1}}); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name       string
		call       unikernel.Call
		wantErr    error
		wantStdout string
	}{
		{"sleep", unikernel.Call{Class: "demo.Sleep", Args: []any{800}}, nil, ""},
		{"loop past its wall time", unikernel.Call{Class: "demo.Loop", Limits: unikernel.Limits{WallTime: 300 * time.Millisecond}}, unikernel.ErrTimeout, ""},
		{"print", unikernel.Call{Class: "demo.Void", Args: []any{2}}, nil, "ran\n"},
		{"sleep again", unikernel.Call{Class: "demo.Sleep", Args: []any{600}}, nil, ""},
	}
	results := make([]unikernel.Result, len(calls))
	errs := make([]error, len(calls))
	ended := make([]time.Time, len(calls))
	var wg sync.WaitGroup
	for i, tc := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := tc.call
			c.Group, c.Artifact = "shared", art
			results[i], errs[i] = rt.Invoke(ctx, c)
			ended[i] = time.Now()
		}()
		if i == 0 {
			time.Sleep(50 * time.Millisecond) // the sleep goes first, so the agent runs it on its reading thread
		}
	}
	wg.Wait()
	if !ended[2].Before(ended[0]) || !ended[2].Before(ended[3]) {
		t.Errorf("print ended after a sleep (ended %v), want before both", ended)
	}
	for i, tc := range calls {
		if !errors.Is(errs[i], tc.wantErr) || (tc.wantErr == nil && errs[i] != nil) {
			t.Errorf("%s: Invoke = %v, want %v", tc.name, errs[i], tc.wantErr)
		}
		if results[i].Stdout != tc.wantStdout {
			t.Errorf("%s: Stdout = %q, want %q", tc.name, results[i].Stdout, tc.wantStdout)
		}
		if results[i].Instance != results[0].Instance {
			t.Errorf("%s ran in %s, want the one instance %s", tc.name, results[i].Instance, results[0].Instance)
		}
	}
	// the instance that hosted the canceled call is renewed once its other calls ended
	deadline := time.Now().Add(10 * time.Second)
	for rt.Stats().Stopped[unikernel.StopBreach] == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s := rt.Stats(); s.Stopped[unikernel.StopBreach] != 1 {
		t.Errorf("Stats().Stopped = %v, want one breach", s.Stopped)
	}
}
