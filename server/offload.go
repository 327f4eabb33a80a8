package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
)

// offload is the offload path: MAMoC's topics and per-task procedures, and mamoc's API.
type offload struct {
	log       *slog.Logger
	repo      *repository.DB
	rt        taskRuntime
	site      string
	tasks     *tasks
	resources *resources
	sess      *nxclient.Client

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
func (o *offload) start(ctx context.Context, sess *nxclient.Client, sc apiScope) error {
	o.sess = sess
	if err := sess.Subscribe(api.TopicOffloading, func(ev *wamp.Event) {
		o.spawn(func() { o.onOffloading(ctx, ev) })
	}, nil); err != nil {
		return fmt.Errorf("subscribe %s: %w", api.TopicOffloading, err)
	}
	if err := sess.Subscribe(api.TopicReceiveFile, func(ev *wamp.Event) {
		o.spawn(func() { o.onReceiveFile(ctx, ev) })
	}, nil); err != nil {
		return fmt.Errorf("subscribe %s: %w", api.TopicReceiveFile, err)
	}
	procs := map[string]nxclient.InvocationHandler{
		api.ProcTaskDeploy:      o.apiDeploy,
		api.ProcTaskRun:         o.apiRun,
		api.ProcTaskList:        o.apiList,
		api.ProcResourcePut:     o.apiResourcePut,
		api.ProcResourceMissing: o.apiResourceMissing,
		api.ProcExecutionGet:    o.apiExecutionGet,
	}
	for name, h := range procs {
		if err := sc.register(sess, name, h, wamp.Dict{wamp.OptDiscloseCaller: true}); err != nil {
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
	opts := wamp.Dict{}
	if session != 0 {
		opts[wamp.WhitelistKey] = wamp.List{wamp.ID(session)}
	}
	res := api.OffloadingResult{Output: output, Duration: duration}
	if err := o.sess.Publish(api.TopicOffloadingResult, opts, res.Args(), nil); err != nil {
		o.log.Warn("publish result", "session", session, "err", err)
	}
}
