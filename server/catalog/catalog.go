package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Runtime is what the catalogue needs from the unikernel runtime.
type Runtime interface {
	Compile(ctx context.Context, group string, sources map[string]string) (unikernel.Artifact, error)
	Invoke(ctx context.Context, c unikernel.Call) (unikernel.Result, error)
}

// Recorder keeps finished executions. Every execution passes through it once, when it ends.
type Recorder interface {
	// RecordExecution stores e and returns its id.
	RecordExecution(ctx context.Context, e repository.Execution) (string, error)
}

// TransformFunc turns a MAMoC task source into plain-JVM Java (transform.Transform).
type TransformFunc func(source string, opts transform.Options) (*transform.Task, error)

// Config configures a Catalog. The zero value of each optional field means its default.
type Config struct {
	// Repo stores sources, artifacts, task metadata and resources. Required.
	Repo *repository.DB
	// Runtime compiles and runs tasks. Required.
	Runtime Runtime
	// Recorder keeps executions. Default: the repository's group commit
	// (repository.DB.RecordExecution).
	Recorder Recorder
	// Transform is the source transformation. Default transform.Transform.
	Transform TransformFunc
	// Site is this server's id, recorded with each execution.
	Site string
	// MaxSourceBytes bounds a deployed source; default 1 MiB.
	MaxSourceBytes int
	// MaxResourceBytes bounds a resource; default 64 MiB.
	MaxResourceBytes int64
	// Logger receives the catalogue's logs; nil discards them.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Recorder == nil && c.Repo != nil {
		c.Recorder = repoRecorder{c.Repo}
	}
	if c.Transform == nil {
		c.Transform = transform.Transform
	}
	if c.MaxSourceBytes <= 0 {
		c.MaxSourceBytes = 1 << 20
	}
	if c.MaxResourceBytes <= 0 {
		c.MaxResourceBytes = 64 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate reports a missing required field.
func (c Config) Validate() error {
	switch {
	case c.Repo == nil:
		return errors.New("catalog: no repository")
	case c.Runtime == nil:
		return errors.New("catalog: no runtime")
	}
	return nil
}

// repoRecorder queues each execution for the repository's group commit.
type repoRecorder struct{ repo *repository.DB }

func (r repoRecorder) RecordExecution(ctx context.Context, e repository.Execution) (string, error) {
	rec, err := r.repo.RecordExecution(ctx, e)
	return rec.ID, err
}

// Caller is who asks: the WAMP session and its authenticated identity. Every catalogue
// operation takes one; ownership checks belong here.
type Caller struct {
	Session uint64 // WAMP session id, 0 for the server itself
	AuthID  string // the router's authid: a user's, or anon-… for an anonymous session
	Role    string // router role: admin, edge, phone, trusted (in-process)
}

// Namespace is the caller's resource namespace: servers and admins share the server's (""),
// each phone (each anonymous session) has its own.
func (c Caller) Namespace() string {
	switch c.Role {
	case router.RoleAdmin, router.RoleEdge, "trusted":
		return ""
	}
	if c.AuthID == "" {
		return fmt.Sprintf("session:%d", c.Session)
	}
	return "phone:" + c.AuthID
}

// Task is a deployed task bound to its artifact.
type Task struct {
	FQCN   string
	Kind   repository.TaskKind
	Method string // static method of a refactored app, "" for the MAMoC shape
	// Package is the Android package of a refactored app's task, "" for a deployed source.
	Package string
	// Group is the runtime isolation group: one class loader and instance set. Two sources
	// (two apps) never share one.
	Group             string
	SourceSHA256      string
	Artifact          unikernel.Artifact
	ParamTypes        []string // declared Java types of the constructor or method
	ParamNames        []string
	ResourceDependent bool
	ReturnType        string
	Procedure         string // the procedure it is offered under
	repoID            int64
}

// Instance reports whether t is a refactored app's instance method: a dex class with an entry
// method (the MAMoC shape has none).
func (t *Task) Instance() bool { return t.Kind == repository.TaskDexClass && t.Method != "" }

// Catalog keeps the deployed tasks. It is safe for concurrent use.
type Catalog struct {
	cfg       Config
	log       *slog.Logger
	repo      *repository.DB
	rt        Runtime
	resources *resources

	mu       sync.Mutex                     // guards the maps
	bySource map[string]*Task               // source sha256 → task
	byProc   map[string]*Task               // procedure → task
	names    map[string]repository.TaskName // procedure → its owner and bound source
	grants   map[string]map[string]struct{} // owner → content sha256s it was granted
	inflight map[string]*deployInFlight     // source sha256 → running deploy
}

// New returns an empty catalogue; Restore loads the tasks of earlier runs.
func New(cfg Config) (*Catalog, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Catalog{cfg: cfg, log: cfg.Logger.With("component", "catalog"), repo: cfg.Repo, rt: cfg.Runtime,
		resources: &resources{repo: cfg.Repo, max: cfg.MaxResourceBytes},
		bySource:  map[string]*Task{}, byProc: map[string]*Task{}, names: map[string]repository.TaskName{},
		grants:   map[string]map[string]struct{}{},
		inflight: map[string]*deployInFlight{}}, nil
}

// Lookup returns the task offered under proc.
func (c *Catalog) Lookup(_ Caller, proc string) (*Task, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.byProc[proc]
	return t, ok
}

// List returns every task, in no order. The source hash of a task is shown only to a caller
// that may read the source by it (see mayRead): nobody learns the hashes of others' content.
func (c *Catalog) List(ctx context.Context, from Caller) ([]Task, error) {
	c.mu.Lock()
	out := make([]Task, 0, len(c.byProc))
	for _, t := range c.byProc {
		out = append(out, *t)
	}
	c.mu.Unlock()
	for i := range out {
		if out[i].SourceSHA256 == "" {
			continue
		}
		ok, err := c.mayRead(ctx, from, out[i].SourceSHA256)
		if err != nil {
			return nil, err
		}
		if !ok {
			out[i].SourceSHA256 = ""
		}
	}
	return out, nil
}

// bind makes t the task behind its procedure (a newer source of the same class replaces
// the older one; other classes keep their own artifacts).
func (c *Catalog) bind(t *Task) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byProc[t.Procedure] = t
	if t.SourceSHA256 != "" && t.Kind == repository.TaskSource {
		c.bySource[t.SourceSHA256] = t
	}
}

// MarkRegistered records that t is offered as a procedure, so that Restore offers it again.
func (c *Catalog) MarkRegistered(ctx context.Context, t *Task) {
	if t.repoID == 0 {
		return
	}
	if err := c.repo.SetTaskRegistered(ctx, t.repoID, true); err != nil && !errors.Is(err, context.Canceled) {
		c.log.Warn("record registration", "task", t.FQCN, "err", err)
	}
}
