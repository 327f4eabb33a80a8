package catalog

import (
	"context"
	"fmt"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Deployment is the answer to a deploy: the task and whether this deploy compiled it.
type Deployment struct {
	Task     *Task
	Compiled bool
}

type deployInFlight struct {
	done chan struct{}
	d    Deployment
	err  error
}

// compilerGroup is the runtime group whose instances compile sources.
const compilerGroup = "mamoc:compiler"

// sourceGroup is the runtime group of a source task: each distinct source gets its own class
// loader and instances, so two phones' tasks never share state.
func sourceGroup(fqcn, sha string) string { return "src:" + fqcn + "@" + sha[:12] }

// packageGroup is the runtime group of a refactored app's tasks: one per app jar.
func packageGroup(pkg, jarSHA string) string { return "apk:" + pkg + "@" + shortHash(jarSHA) }

func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// Deploy transforms, compiles and stores source once per sha256 and binds its procedure
// (its FQCN) to it for from; concurrent deploys of the same source wait for the first.
// rpcName names the task ("" means its FQCN). A name another owner bound to a different
// source is refused with ErrConflict (before compiling); the owner's own redeploy rebinds it.
func (c *Catalog) Deploy(ctx context.Context, from Caller, source, rpcName string) (Deployment, error) {
	if len(source) > c.cfg.MaxSourceBytes {
		return Deployment{}, fmt.Errorf("source of %d bytes: %w (limit %d)", len(source), ErrTooLarge, c.cfg.MaxSourceBytes)
	}
	sha := repository.SHA256Hex([]byte(source))
	c.mu.Lock()
	if t, ok := c.bySource[sha]; ok {
		c.mu.Unlock()
		return Deployment{Task: t}, c.claim(ctx, from, t)
	}
	if f, ok := c.inflight[sha]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil {
				return Deployment{}, f.err
			}
			return Deployment{Task: f.d.Task}, c.claim(ctx, from, f.d.Task)
		case <-ctx.Done():
			return Deployment{}, ctx.Err()
		}
	}
	f := &deployInFlight{done: make(chan struct{})}
	c.inflight[sha] = f
	c.mu.Unlock()

	f.d, f.err = c.build(ctx, from, source, sha, rpcName)
	c.mu.Lock()
	delete(c.inflight, sha)
	if f.err == nil {
		c.bySource[sha] = f.d.Task
	}
	c.mu.Unlock()
	close(f.done)
	if f.err != nil {
		return Deployment{}, f.err
	}
	return f.d, c.claim(ctx, from, f.d.Task)
}

// build transforms the source, reuses a compiled artifact from the repository or compiles it
// in the runtime, and records the task with what Restore needs.
func (c *Catalog) build(ctx context.Context, from Caller, source, sha, rpcName string) (Deployment, error) {
	tt, err := c.cfg.Transform(source, transform.Options{RPCName: rpcName, MaxSourceBytes: c.cfg.MaxSourceBytes})
	if err != nil {
		return Deployment{}, fmt.Errorf("transform: %w", err)
	}
	// A name taken by another owner is refused before the compiler runs.
	c.mu.Lock()
	_, err = c.nameFree(from, tt.FQCN, sha)
	c.mu.Unlock()
	if err != nil {
		return Deployment{}, err
	}
	t := &Task{
		FQCN: tt.FQCN, Kind: repository.TaskSource, SourceSHA256: sha, Group: sourceGroup(tt.FQCN, sha),
		ResourceDependent: tt.ResourceDependent, ReturnType: tt.RunReturnType, Procedure: tt.FQCN,
	}
	for _, p := range tt.CtorParams {
		t.ParamTypes = append(t.ParamTypes, p.Type)
		t.ParamNames = append(t.ParamNames, p.Name)
	}
	// A task compiled before (by this or an earlier server run) is not compiled again.
	if rec, err := c.repo.TaskBySource(ctx, tt.FQCN, sha); err == nil && rec.ArtifactSHA256 != "" {
		if jar, err := c.repo.GetBlob(ctx, rec.ArtifactSHA256); err == nil {
			if art, err := unikernel.ArtifactFromJar(jar); err == nil {
				t.Artifact = art
				if err := c.store(ctx, t, rec.ArtifactSHA256, rec.Registered); err != nil {
					return Deployment{}, err
				}
				return Deployment{Task: t}, nil
			}
		}
	}
	// Compiling runs no task code, so one warm compiler group serves every source: javac is
	// already loaded and JIT-compiled there, which makes a first call several times faster.
	art, err := c.rt.Compile(ctx, compilerGroup, map[string]string{tt.FQCN: tt.Source})
	if err != nil {
		return Deployment{}, err
	}
	t.Artifact = art
	jar, err := art.Jar()
	if err != nil {
		return Deployment{}, fmt.Errorf("encode artifact: %w", err)
	}
	if _, err := c.repo.PutBlobBytes(ctx, []byte(source)); err != nil {
		return Deployment{}, fmt.Errorf("store source: %w", err)
	}
	jb, err := c.repo.PutBlobBytes(ctx, jar)
	if err != nil {
		return Deployment{}, fmt.Errorf("store artifact: %w", err)
	}
	if err := c.store(ctx, t, jb.SHA256, false); err != nil {
		return Deployment{}, err
	}
	return Deployment{Task: t, Compiled: true}, nil
}

// store records source task t, built into artifact artSHA, with what Restore needs.
func (c *Catalog) store(ctx context.Context, t *Task, artSHA string, registered bool) error {
	rec, err := c.repo.PutTask(ctx, repository.Task{
		FQCN: t.FQCN, Kind: repository.TaskSource, SourceSHA256: t.SourceSHA256, ArtifactSHA256: artSHA,
		ParamTypes: t.ParamTypes, ParamNames: t.ParamNames, ResourceDependent: t.ResourceDependent,
		ReturnType: t.ReturnType, Offloadable: true, Registered: registered,
	})
	if err != nil {
		return fmt.Errorf("record task: %w", err)
	}
	t.repoID = rec.ID
	return nil
}

// Restore loads the task names' bindings and, per class, the registered source task its name
// is bound to (else the newest), and binds it, so that tasks stay offered across restarts. It
// reads only stored metadata; a task stored before the repository kept its parameter names is
// transformed once and its metadata stored. Tasks that cannot be restored are logged and
// skipped.
func (c *Catalog) Restore(ctx context.Context) ([]*Task, error) {
	names, err := c.repo.ListTaskNames(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for _, n := range names {
		c.names[n.Name] = n
	}
	c.mu.Unlock()
	recs, err := c.repo.ListTasks(ctx)
	if err != nil {
		return nil, err
	}
	chosen := map[string]repository.Task{}
	for _, r := range recs {
		if r.Kind != repository.TaskSource || r.ArtifactSHA256 == "" || !r.Registered {
			continue
		}
		cur, ok := chosen[r.FQCN]
		c.mu.Lock()
		bound, isBound := c.names[r.FQCN]
		c.mu.Unlock()
		switch {
		case isBound && r.SourceSHA256 == bound.SourceSHA256:
			chosen[r.FQCN] = r
		case isBound && ok && cur.SourceSHA256 == bound.SourceSHA256:
		case !ok || r.UpdatedAt.After(cur.UpdatedAt):
			chosen[r.FQCN] = r
		}
	}
	var out []*Task
	for _, r := range chosen {
		t, err := c.restore(ctx, r)
		if err != nil {
			c.log.Warn("restore task", "task", r.FQCN, "err", err)
			continue
		}
		c.bind(t)
		out = append(out, t)
	}
	return out, nil
}

func (c *Catalog) restore(ctx context.Context, r repository.Task) (*Task, error) {
	jar, err := c.repo.GetBlob(ctx, r.ArtifactSHA256)
	if err != nil {
		return nil, fmt.Errorf("artifact unreadable: %w", err)
	}
	art, err := unikernel.ArtifactFromJar(jar)
	if err != nil {
		return nil, fmt.Errorf("bad artifact: %w", err)
	}
	t := &Task{FQCN: r.FQCN, Kind: r.Kind, SourceSHA256: r.SourceSHA256, Group: sourceGroup(r.FQCN, r.SourceSHA256),
		Artifact: art, ParamTypes: r.ParamTypes, ParamNames: r.ParamNames, ResourceDependent: r.ResourceDependent,
		ReturnType: r.ReturnType, Procedure: r.FQCN, repoID: r.ID}
	if r.Restorable {
		return t, nil
	}
	src, err := c.repo.GetBlob(ctx, r.SourceSHA256)
	if err != nil {
		return nil, fmt.Errorf("source unreadable: %w", err)
	}
	tt, err := c.cfg.Transform(string(src), transform.Options{RPCName: r.FQCN, MaxSourceBytes: c.cfg.MaxSourceBytes})
	if err != nil {
		return nil, fmt.Errorf("transform stored source: %w", err)
	}
	t.ResourceDependent = tt.ResourceDependent
	t.ParamNames = nil
	for _, p := range tt.CtorParams {
		t.ParamNames = append(t.ParamNames, p.Name)
	}
	if err := c.store(ctx, t, r.ArtifactSHA256, true); err != nil {
		return nil, err
	}
	return t, nil
}

// Procedure is one procedure of a refactored app: a MAMoC-shaped class (kind
// repository.TaskDexClass, no Method), an instance method (repository.TaskDexClass with a
// Method) or a public static method (repository.TaskDexStatic).
type Procedure struct {
	Name string // the procedure URI
	// Aliases are names earlier versions published for the same procedure: they keep working.
	Aliases    []string
	Kind       repository.TaskKind
	Class      string
	Method     string
	ParamTypes []string
	ReturnType string
}

// App is a refactored Android app whose procedures run from its jar.
type App struct {
	Package   string
	APKSHA256 string
	JarSHA256 string
}

// AddApp records and binds an analysed app's procedures, each under its name and its
// aliases. They run from the app's jar, with no compile step. It returns the tasks bound
// (one per name); a procedure that cannot be recorded is reported in the errors and skipped.
//
// The names are bound to the app (owner "app:<package>"), whoever held them: uploading an app
// needs a refactor role, which outranks a phone.
func (c *Catalog) AddApp(ctx context.Context, _ Caller, app App, jar []byte, procs []Procedure) ([]*Task, []error) {
	art, err := unikernel.ArtifactFromJar(jar)
	if err != nil {
		return nil, []error{fmt.Errorf("load jar of %s: %w", app.Package, err)}
	}
	group := packageGroup(app.Package, app.JarSHA256)
	var (
		out  []*Task
		errs []error
	)
	for _, p := range procs {
		t := &Task{FQCN: p.Class, Package: app.Package, Group: group, Artifact: art, ParamTypes: p.ParamTypes,
			ReturnType: p.ReturnType, Procedure: p.Name, Kind: p.Kind, Method: p.Method}
		rec, err := c.repo.PutTask(ctx, repository.Task{FQCN: p.Class, Method: t.Method, Package: app.Package, Kind: t.Kind,
			SourceSHA256: app.APKSHA256, ArtifactSHA256: app.JarSHA256, ParamTypes: p.ParamTypes, ReturnType: p.ReturnType,
			Offloadable: true})
		if err != nil {
			errs = append(errs, fmt.Errorf("record %s: %w", p.Name, err))
			continue
		}
		t.repoID = rec.ID
		for _, name := range append([]string{p.Name}, p.Aliases...) {
			named := *t
			named.Procedure = name
			c.bind(&named)
			n := repository.TaskName{Name: name, Owner: "app:" + app.Package, SourceSHA256: app.APKSHA256}
			c.mu.Lock()
			c.names[name] = n
			c.mu.Unlock()
			if err := c.repo.BindTaskName(ctx, n); err != nil {
				errs = append(errs, err)
			}
			out = append(out, &named)
		}
	}
	return out, errs
}
