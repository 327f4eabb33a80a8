package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
)

// mamoc's own procedures.
const (
	ProcTaskDeploy      = "mamoc.task.deploy"
	ProcTaskRun         = "mamoc.task.run"
	ProcTaskList        = "mamoc.task.list"
	ProcResourcePut     = "mamoc.resource.put"
	ProcResourceMissing = "mamoc.resource.missing"
	ProcExecutionGet    = "mamoc.execution.get"
)

// phoneEventLimit keeps each result event under autobahn-java's 128 KiB message cap.
const phoneEventLimit = 120 << 10

// offload is the offload path: MAMoC's topics and per-task procedures, and mamoc's API.
type offload struct {
	log       *slog.Logger
	repo      *repository.DB
	rt        taskRuntime
	site      string
	tasks     *tasks
	resources *resources
	sess      *nxclient.Client
	obs       *metrics // nil: not counted
	work      *workLog // nil: not logged

	mu         sync.Mutex      // guards registered and stopping
	registered map[string]bool // procedures this session registered
	stopping   bool            // set by wait: no new offloading work is accepted

	wg sync.WaitGroup // offloading-event workers; Add only under mu while !stopping
}

func newOffload(log *slog.Logger, repo *repository.DB, rt taskRuntime, site string, maxSource int, maxResource int64) *offload {
	return &offload{
		log: log, repo: repo, rt: rt, site: site,
		tasks:      newTasks(log, repo, rt, maxSource),
		resources:  &resources{repo: repo, max: maxResource},
		registered: map[string]bool{},
	}
}

// start subscribes to MAMoC's topics, registers mamoc's procedures and re-registers the
// tasks compiled by earlier runs. Work started by events ends with ctx.
func (o *offload) start(ctx context.Context, sess *nxclient.Client) error {
	o.sess = sess
	if err := sess.Subscribe(router.TopicOffloading, func(ev *wamp.Event) {
		o.spawn(func() { o.onOffloading(ctx, ev) })
	}, nil); err != nil {
		return fmt.Errorf("subscribe %s: %w", router.TopicOffloading, err)
	}
	if err := sess.Subscribe(router.TopicReceiveFile, func(ev *wamp.Event) {
		o.spawn(func() { o.onReceiveFile(ctx, ev) })
	}, nil); err != nil {
		return fmt.Errorf("subscribe %s: %w", router.TopicReceiveFile, err)
	}
	procs := map[string]nxclient.InvocationHandler{
		ProcTaskDeploy:      o.apiDeploy,
		ProcTaskRun:         o.apiRun,
		ProcTaskList:        o.apiList,
		ProcResourcePut:     o.apiResourcePut,
		ProcResourceMissing: o.apiResourceMissing,
		ProcExecutionGet:    o.apiExecutionGet,
	}
	for name, h := range procs {
		if err := sess.Register(name, h, wamp.Dict{wamp.OptDiscloseCaller: true}); err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}
	restored, err := o.tasks.restore(ctx)
	if err != nil {
		return fmt.Errorf("restore tasks: %w", err)
	}
	for _, t := range restored {
		o.tasks.bind(t)
		if err := o.register(ctx, t); err != nil {
			o.log.Warn("re-register task", "task", t.Procedure, "err", err)
		}
	}
	if len(restored) > 0 {
		o.log.Info("re-registered tasks", "count", len(restored))
	}
	return nil
}

// spawn runs an event's work on its own goroutine (event handlers must not block the
// session), unless the server is stopping.
func (o *offload) spawn(work func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stopping {
		o.log.Info("event refused: the server is shutting down")
		return
	}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		work()
	}()
}

// wait stops accepting event work and blocks until every worker has finished.
func (o *offload) wait() {
	o.mu.Lock()
	o.stopping = true
	o.mu.Unlock()
	o.wg.Wait()
}

// register offers t under its procedure (MAMoC's call shape) once per procedure.
func (o *offload) register(ctx context.Context, t *task) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.registered[t.Procedure] {
		return nil
	}
	proc := t.Procedure
	handler := func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
		return o.onTaskCall(ctx, proc, inv)
	}
	if t.Kind == repository.TaskDexStatic {
		handler = func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
			cur, ok := o.tasks.lookup(proc)
			if !ok {
				return invokeError(fmt.Errorf("task %s: %w", proc, errNotFound))
			}
			return o.onStaticCall(ctx, cur, inv)
		}
	}
	err := o.sess.Register(proc, handler, wamp.Dict{wamp.OptDiscloseCaller: true, wamp.OptInvoke: wamp.InvokeRoundRobin})
	if err != nil {
		return err
	}
	o.registered[proc] = true
	o.tasks.markRegistered(ctx, t)
	return nil
}

// caller is who sent a request, from the disclosed details.
type caller struct {
	session uint64
	authid  string
	role    string
}

func callerOf(details wamp.Dict, prefix string) caller {
	var c caller
	if id, ok := wamp.AsID(details[prefix]); ok {
		c.session = uint64(id)
	}
	c.authid, _ = wamp.AsString(details[prefix+"_authid"])
	c.role, _ = wamp.AsString(details[prefix+"_authrole"])
	return c
}

// namespace is the caller's resource namespace: servers and admins share the server's,
// each phone (each anonymous session) has its own.
func (c caller) namespace() string {
	switch c.role {
	case router.RoleAdmin, router.RoleEdge, "trusted":
		return ""
	}
	if c.authid == "" {
		return fmt.Sprintf("session:%d", c.session)
	}
	return "phone:" + c.authid
}

// publishResult sends MAMoC's result event [output, duration] to one session only.
func (o *offload) publishResult(session uint64, output string, duration time.Duration) {
	if len(output) > phoneEventLimit {
		output = output[:phoneEventLimit] + "\n… (output truncated by mamoc)"
	}
	opts := wamp.Dict{}
	if session != 0 {
		opts[wamp.WhitelistKey] = wamp.List{wamp.ID(session)}
	}
	// The duration must be a float64 (the phone casts it to Double), never NaN or Inf.
	d := duration.Seconds()
	if d != d || d < 0 || d > 1e9 {
		d = 0
	}
	if err := o.sess.Publish(router.TopicOffloadingResult, opts, wamp.List{output, d}, nil); err != nil {
		o.log.Warn("publish result", "session", session, "err", err)
	}
}

// asString returns v as a string; nil and non-strings give "".
func asString(v any) string {
	s, _ := wamp.AsString(v)
	return s
}

// idArg is the id a get procedure names, in kwargs {id} or args [id].
func idArg(inv *wamp.Invocation) string {
	if id := asString(inv.ArgumentsKw["id"]); id != "" {
		return id
	}
	if len(inv.Arguments) > 0 {
		return asString(inv.Arguments[0])
	}
	return ""
}

// noResource reports whether MAMoC's resource name means "none".
func noResource(name string) bool {
	switch strings.TrimSpace(name) {
	case "", "None", "null", "nil":
		return true
	}
	return false
}
