package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// taskRuntime is what the offload path needs from the unikernel runtime.
type taskRuntime interface {
	Compile(ctx context.Context, app string, sources map[string]string) (unikernel.Artifact, error)
	Invoke(ctx context.Context, c unikernel.Call) (unikernel.Result, error)
	Stats() unikernel.Stats
}

// task is a deployed, compiled task bound to its own artifact.
type task struct {
	FQCN              string
	Kind              repository.TaskKind
	Method            string // static method for refactored apps, "" for the MAMoC shape
	App               string // runtime app: one class loader and instance set per app
	SourceSHA256      string
	Artifact          unikernel.Artifact
	ParamTypes        []string // declared Java types of the constructor or method
	ParamNames        []string
	ResourceDependent bool
	ReturnType        string
	Procedure         string // WAMP procedure it is registered under
	repoID            int64
}

// deployment is the answer to a deploy: the task and whether this deploy compiled it.
type deployment struct {
	Task     *task
	Compiled bool
}

// tasks deploys sources once per sha256 and keeps the registered tasks by procedure.
type tasks struct {
	log  *slog.Logger
	repo *repository.DB
	rt   taskRuntime
	max  int      // largest source in bytes
	obs  *metrics // nil: not counted
	work *workLog // nil: not logged

	mu       sync.Mutex                 // guards the maps
	bySource map[string]*task           // source sha256 → task
	byProc   map[string]*task           // procedure → task
	inflight map[string]*deployInFlight // source sha256 → running deploy
}

type deployInFlight struct {
	done chan struct{}
	d    deployment
	err  error
}

func newTasks(log *slog.Logger, repo *repository.DB, rt taskRuntime, maxSource int) *tasks {
	return &tasks{log: log, repo: repo, rt: rt, max: maxSource,
		bySource: map[string]*task{}, byProc: map[string]*task{}, inflight: map[string]*deployInFlight{}}
}

// lookup returns the task registered under proc.
func (ts *tasks) lookup(proc string) (*task, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.byProc[proc]
	return t, ok
}

// list returns every registered task.
func (ts *tasks) list() []*task {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	out := make([]*task, 0, len(ts.byProc))
	for _, t := range ts.byProc {
		out = append(out, t)
	}
	return out
}

// bind makes t the task behind its procedure (a newer source of the same class replaces
// the older one; other classes keep their own artifacts).
func (ts *tasks) bind(t *task) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.byProc[t.Procedure] = t
	if t.SourceSHA256 != "" {
		ts.bySource[t.SourceSHA256] = t
	}
}

// deploy transforms and compiles source once per sha256; concurrent deploys of the same
// source wait for the first.
func (ts *tasks) deploy(ctx context.Context, source, rpcName string) (deployment, error) {
	if len(source) > ts.max {
		return deployment{}, fmt.Errorf("source of %d bytes: %w (limit %d)", len(source), errTooLarge, ts.max)
	}
	sha := repository.SHA256Hex([]byte(source))
	ts.mu.Lock()
	if t, ok := ts.bySource[sha]; ok {
		ts.mu.Unlock()
		return deployment{Task: t}, nil
	}
	if f, ok := ts.inflight[sha]; ok {
		ts.mu.Unlock()
		select {
		case <-f.done:
			return deployment{Task: f.d.Task}, f.err
		case <-ctx.Done():
			return deployment{}, ctx.Err()
		}
	}
	f := &deployInFlight{done: make(chan struct{})}
	ts.inflight[sha] = f
	ts.mu.Unlock()

	t0 := time.Now()
	f.d, f.err = ts.build(ctx, source, sha, rpcName)
	ts.observeDeploy(f.d, f.err, time.Since(t0))
	ts.mu.Lock()
	delete(ts.inflight, sha)
	ts.mu.Unlock()
	if f.err == nil {
		ts.bind(f.d.Task)
	}
	close(f.done)
	return f.d, f.err
}

// build transforms the source, reuses a compiled artifact from the repository or compiles it
// in the runtime, and records the task.
func (ts *tasks) build(ctx context.Context, source, sha, rpcName string) (deployment, error) {
	tt, err := transform.Transform(source, transform.Options{RPCName: rpcName, MaxSourceBytes: ts.max})
	if err != nil {
		return deployment{}, fmt.Errorf("transform: %w", err)
	}
	t := &task{
		FQCN: tt.FQCN, Kind: repository.TaskSource, SourceSHA256: sha, App: sourceApp(tt.FQCN, sha),
		ResourceDependent: tt.ResourceDependent, ReturnType: tt.RunReturnType, Procedure: tt.FQCN,
	}
	for _, p := range tt.CtorParams {
		t.ParamTypes = append(t.ParamTypes, p.Type)
		t.ParamNames = append(t.ParamNames, p.Name)
	}
	// A task compiled before (by this or an earlier server run) is not compiled again.
	if rec, err := ts.repo.TaskBySource(ctx, tt.FQCN, sha); err == nil && rec.ArtifactSHA256 != "" {
		if jar, err := ts.repo.GetBlob(ctx, rec.ArtifactSHA256); err == nil {
			if art, err := unikernel.ArtifactFromJar(jar); err == nil {
				t.Artifact, t.repoID = art, rec.ID
				return deployment{Task: t}, nil
			}
		}
	}
	// Compiling runs no task code, so one warm compiler app serves every source: javac is
	// already loaded and JIT-compiled there, which makes a first call several times faster.
	art, err := ts.rt.Compile(ctx, compilerApp, map[string]string{tt.FQCN: tt.Source})
	if err != nil {
		return deployment{}, err
	}
	t.Artifact = art
	jar, err := art.Jar()
	if err != nil {
		return deployment{}, fmt.Errorf("encode artifact: %w", err)
	}
	if _, err := ts.repo.PutBlobBytes(ctx, []byte(source)); err != nil {
		return deployment{}, fmt.Errorf("store source: %w", err)
	}
	jb, err := ts.repo.PutBlobBytes(ctx, jar)
	if err != nil {
		return deployment{}, fmt.Errorf("store artifact: %w", err)
	}
	rec, err := ts.repo.PutTask(ctx, repository.Task{
		FQCN: tt.FQCN, App: t.App, Kind: repository.TaskSource, SourceSHA256: sha, ArtifactSHA256: jb.SHA256,
		ParamTypes: t.ParamTypes, ReturnType: tt.RunReturnType, Offloadable: true,
	})
	if err != nil {
		return deployment{}, fmt.Errorf("record task: %w", err)
	}
	t.repoID = rec.ID
	return deployment{Task: t, Compiled: true}, nil
}

// restore loads the newest compiled source task per class from the repository, so that
// tasks stay registered across restarts.
func (ts *tasks) restore(ctx context.Context) ([]*task, error) {
	recs, err := ts.repo.ListTasks(ctx)
	if err != nil {
		return nil, err
	}
	newest := map[string]repository.Task{}
	for _, r := range recs {
		if r.Kind != repository.TaskSource || r.ArtifactSHA256 == "" || !r.Registered {
			continue
		}
		if cur, ok := newest[r.FQCN]; !ok || r.UpdatedAt.After(cur.UpdatedAt) {
			newest[r.FQCN] = r
		}
	}
	var out []*task
	for _, r := range newest {
		jar, err := ts.repo.GetBlob(ctx, r.ArtifactSHA256)
		if err != nil {
			ts.log.Warn("restore task: artifact unreadable", "task", r.FQCN, "err", err)
			continue
		}
		art, err := unikernel.ArtifactFromJar(jar)
		if err != nil {
			ts.log.Warn("restore task: bad artifact", "task", r.FQCN, "err", err)
			continue
		}
		src, err := ts.repo.GetBlob(ctx, r.SourceSHA256)
		if err != nil {
			ts.log.Warn("restore task: source unreadable", "task", r.FQCN, "err", err)
			continue
		}
		tt, err := transform.Transform(string(src), transform.Options{RPCName: r.FQCN, MaxSourceBytes: ts.max})
		if err != nil {
			continue
		}
		t := &task{FQCN: r.FQCN, Kind: r.Kind, SourceSHA256: r.SourceSHA256, App: r.App, Artifact: art,
			ParamTypes: r.ParamTypes, ResourceDependent: tt.ResourceDependent, ReturnType: r.ReturnType,
			Procedure: r.FQCN, repoID: r.ID}
		for _, p := range tt.CtorParams {
			t.ParamNames = append(t.ParamNames, p.Name)
		}
		out = append(out, t)
	}
	return out, nil
}

// markRegistered records that t is registered as a procedure.
func (ts *tasks) markRegistered(ctx context.Context, t *task) {
	if t.repoID == 0 {
		return
	}
	if err := ts.repo.SetTaskRegistered(ctx, t.repoID, true); err != nil && !errors.Is(err, context.Canceled) {
		ts.log.Warn("record registration", "task", t.FQCN, "err", err)
	}
}

// compilerApp is the runtime app whose instances compile sources.
const compilerApp = "mamoc:compiler"

// sourceApp is the runtime app of a source task: each distinct source gets its own class
// loader and instances, so two phones' tasks never share state.
func sourceApp(fqcn, sha string) string { return "src:" + fqcn + "@" + sha[:12] }
