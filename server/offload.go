package server

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/server/catalog"
)

// offload is the offload path's WAMP glue: MAMoC's topics and per-task procedures, and
// mamoc's API, served from the task catalogue.
type offload struct {
	log   *slog.Logger
	cat   *catalog.Catalog
	repo  *repository.DB // execution records for mamoc.execution.get
	site  string
	sess  *nxclient.Client
	calls *calls   // every call of a task, by caller session; set by start
	obs   *metrics // nil: deploys not counted
	work  *workLog // nil: deploys not logged
	// listeners are the sessions subscribed to the result topic
	listeners *listeners

	mu         sync.Mutex      // guards registered and stopping
	registered map[string]bool // procedures this session registered
	stopping   bool            // set by wait: no new offloading work is accepted

	wg sync.WaitGroup // offloading-event workers; Add only under mu while !stopping
}

func newOffload(log *slog.Logger, cat *catalog.Catalog, repo *repository.DB, site string) *offload {
	return &offload{log: log, cat: cat, repo: repo, site: site, registered: map[string]bool{}}
}

// start subscribes to MAMoC's topics, registers mamoc's procedures and offers the tasks the
// catalogue restored from earlier runs. Work started by events ends with ctx.
func (o *offload) start(ctx context.Context, sess *nxclient.Client, meta *metaEvents, sc apiScope) error {
	o.sess = sess
	o.calls = newCalls(ctx)
	// A session that leaves has its calls cancelled, and an anonymous one its rights.
	if err := meta.subscribe(wamp.MetaEventSessionOnLeave, o.onLeave); err != nil {
		return fmt.Errorf("subscribe %s: %w", wamp.MetaEventSessionOnLeave, err)
	}
	o.listeners = newListeners(api.TopicOffloadingResult)
	if err := o.listeners.start(ctx, sess, meta); err != nil {
		// without the meta events every caller gets the result event, as MAMoC expects
		o.log.Warn("track result subscribers", "err", err)
	}
	topics := map[string]func(context.Context, *wamp.Event){
		api.TopicOffloading:  o.onOffloading,
		api.TopicReceiveFile: o.onReceiveFile,
	}
	for topic, h := range topics {
		if err := sess.Subscribe(topic, func(ev *wamp.Event) { o.spawn(func() { h(ctx, ev) }) }, nil); err != nil {
			return fmt.Errorf("subscribe %s: %w", topic, err)
		}
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
	restored, err := o.cat.Restore(ctx)
	if err != nil {
		return fmt.Errorf("restore tasks: %w", err)
	}
	for _, t := range restored {
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

// wait stops accepting calls and event work and blocks until every call (in every shape)
// and every event worker has finished. It reports whether any call was still running.
func (o *offload) wait() bool {
	o.mu.Lock()
	o.stopping = true
	o.mu.Unlock()
	drained := false
	if o.calls != nil {
		drained = o.calls.drain()
	}
	o.wg.Wait()
	return drained
}

// onLeave handles wamp.session.on_leave [session, authid, authrole]: the session's running and
// queued calls are cancelled (their tasks killed, their instances recycled, their executions
// recorded as cancelled), and an anonymous session's rights and task names are dropped.
func (o *offload) onLeave(ev *wamp.Event) {
	if len(ev.Arguments) == 0 {
		return
	}
	id, _ := wamp.AsID(ev.Arguments[0])
	var authid string
	if len(ev.Arguments) > 1 {
		authid = api.AsString(ev.Arguments[1])
	}
	if n := o.calls.leave(uint64(id)); n > 0 {
		o.log.Info("caller left: its calls are cancelled", "session", uint64(id), "calls", n)
	}
	if api.IsAnonymous(authid) {
		o.spawn(func() {
			if err := o.cat.Forget(context.Background(), authid); err != nil {
				o.log.Warn("forget anonymous session", "authid", authid, "err", err)
			}
		})
	}
}

// track starts tracking a call of from (see calls.begin).
func (o *offload) track(ctx context.Context, from catalog.Caller) (context.Context, func(), error) {
	return o.calls.begin(ctx, from.Session)
}

// trackCall starts tracking inv as a call of its disclosed caller, and returns that caller.
func (o *offload) trackCall(ctx context.Context, inv *wamp.Invocation) (context.Context, catalog.Caller, func(), error) {
	from := callerOf(inv.Details, "caller")
	ctx, end, err := o.track(ctx, from)
	return ctx, from, end, err
}

// trackTaskCall is trackCall for a call of task proc, which it also looks up for the caller.
func (o *offload) trackTaskCall(ctx context.Context, inv *wamp.Invocation, proc string) (context.Context, catalog.Caller, *catalog.Task, func(), error) {
	ctx, from, end, err := o.trackCall(ctx, inv)
	if err != nil {
		return ctx, from, nil, nil, err
	}
	t, ok := o.cat.Lookup(from, proc)
	if !ok {
		end()
		return ctx, from, nil, nil, fmt.Errorf("task %s: %w", proc, catalog.ErrNotFound)
	}
	return ctx, from, t, end, nil
}

// register offers t under its procedure once per procedure: a refactored app's static or
// instance method in its own shape, every other task in MAMoC's. The handler looks the task
// up on each call, so a newer deploy of the same class takes over the procedure.
func (o *offload) register(ctx context.Context, t *catalog.Task) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.registered[t.Procedure] {
		return nil
	}
	proc := t.Procedure
	handler := func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
		return o.onTaskCall(ctx, proc, inv)
	}
	if t.Kind == repository.TaskDexStatic || t.Instance() {
		handler = func(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
			ctx, from, cur, end, err := o.trackTaskCall(ctx, inv, proc)
			if err != nil {
				return invokeError(err)
			}
			defer end()
			if cur.Instance() {
				return o.onInstanceCall(ctx, from, cur, inv)
			}
			return o.onStaticCall(ctx, from, cur, inv)
		}
	}
	err := o.sess.Register(proc, handler, wamp.Dict{wamp.OptDiscloseCaller: true, wamp.OptInvoke: wamp.InvokeRoundRobin})
	if err != nil {
		return err
	}
	o.registered[proc] = true
	o.cat.MarkRegistered(ctx, t)
	return nil
}

// callerOf is who sent a request, from the disclosed details under prefix ("caller" or
// "publisher").
func callerOf(details wamp.Dict, prefix string) catalog.Caller {
	var c catalog.Caller
	if id, ok := wamp.AsID(details[prefix]); ok {
		c.Session = uint64(id)
	}
	c.AuthID = api.AsString(details[prefix+"_authid"])
	c.Role = api.AsString(details[prefix+"_authrole"])
	return c
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

// progressFunc forwards task progress to the caller when it asked for progressive results.
func (o *offload) progressFunc(ctx context.Context, inv *wamp.Invocation) func(string) {
	if want, _ := inv.Details[wamp.OptReceiveProgress].(bool); !want {
		return nil
	}
	return func(msg string) {
		_ = o.sess.SendProgress(ctx, nil, api.ProgressKwargs(msg))
	}
}

// onOffloading handles MAMoC's offloading event (api.Offloading): deploy the source (once
// per source), offer the task's procedure, run it, and send the result event to the
// publisher only. A failure is sent as the result text, so the phone never waits forever.
func (o *offload) onOffloading(ctx context.Context, ev *wamp.Event) {
	from := callerOf(ev.Details, "publisher")
	start := time.Now()
	req, err := api.ParseOffloading(ev.Arguments)
	if err != nil {
		o.log.Warn("offloading event refused", "err", err, "publisher", from.Session)
		o.publishResult(from.Session, errorText(err), 0)
		return
	}
	o.log.Info("offloading request", "platform", req.Platform, "task", req.RPCName, "publisher", from.Session, "source_bytes", len(req.Code))
	ctx, end, err := o.track(ctx, from)
	if err != nil {
		o.publishResult(from.Session, errorText(err), 0)
		return
	}
	defer end()
	t0 := time.Now()
	d, err := o.cat.Deploy(ctx, from, req.Code, req.RPCName)
	o.observeDeploy(d, err, time.Since(t0))
	if err != nil {
		o.log.Info("offloading deploy failed", "task", req.RPCName, "err", err)
		o.publishResult(from.Session, errorText(err), time.Since(start))
		return
	}
	if err := o.register(ctx, d.Task); err != nil {
		o.log.Warn("register task", "task", d.Task.Procedure, "err", err)
	}
	res, err := o.cat.Run(ctx, from, catalog.RunRequest{Task: d.Task, Params: req.Params, ResourceName: req.Resource})
	if err != nil {
		o.publishResult(from.Session, errorText(cancelCause(ctx, err)), res.ExecTime)
		return
	}
	o.publishResult(from.Session, res.Output, res.ExecTime)
}

// onTaskCall serves a task's own procedure in MAMoC's shape (api.TaskCall →
// api.TaskCallResult). It also sends the result event to the caller, which MAMoC's edge
// client waits for, unless the caller is known not to subscribe to it (see listeners).
func (o *offload) onTaskCall(ctx context.Context, proc string, inv *wamp.Invocation) nxclient.InvokeResult {
	ctx, from, t, end, err := o.trackTaskCall(ctx, inv, proc)
	if err != nil {
		return invokeError(err)
	}
	defer end()
	call := api.ParseTaskCall(inv.Arguments)
	res, err := o.cat.Run(ctx, from, catalog.RunRequest{Task: t, Params: call.Params, ResourceName: call.Resource,
		Progress: o.progressFunc(ctx, inv)})
	listens := o.listeners.listening(from.Session) // no event for a caller that cannot receive it
	if err != nil {
		err = cancelCause(ctx, err)
		if listens {
			o.publishResult(from.Session, errorText(err), res.ExecTime)
		}
		return invokeError(err)
	}
	if listens {
		o.publishResult(from.Session, res.Output, res.ExecTime)
	}
	return nxclient.InvokeResult{Args: api.TaskCallResult{Output: res.Output, Duration: res.ExecTime}.Args()}
}

// onStaticCall serves a refactored app's static method (api.PrefixApp): args are the
// method's parameters in order, converted by the DEX signature → api.StaticResult.
func (o *offload) onStaticCall(ctx context.Context, from catalog.Caller, t *catalog.Task, inv *wamp.Invocation) nxclient.InvokeResult {
	res, err := o.cat.Run(ctx, from, catalog.RunRequest{Task: t, Params: inv.Arguments, Progress: o.progressFunc(ctx, inv)})
	if err != nil {
		return invokeError(cancelCause(ctx, err))
	}
	r := api.StaticResult{Value: res.Value, Void: res.Void, Output: res.Output, ExecTime: res.ExecTime, ExecutionID: res.ExecutionID}
	return nxclient.InvokeResult{Args: r.Args(), Kwargs: r.Kwargs()}
}

// onInstanceCall serves a refactored app's instance method: kwargs {ctor, args} (see
// api.AppCall) build the object with a public constructor picked by arity and call the method;
// the result is as for a static method, an object as its public fields.
func (o *offload) onInstanceCall(ctx context.Context, from catalog.Caller, t *catalog.Task, inv *wamp.Invocation) nxclient.InvokeResult {
	c, err := api.ParseAppCall(inv.Arguments, inv.ArgumentsKw)
	if err != nil {
		return invokeError(catalog.BadArgument("%s: %v", t.Procedure, err))
	}
	res, err := o.cat.Run(ctx, from, catalog.RunRequest{Task: t, Params: c.Args, CtorParams: c.Ctor,
		Progress: o.progressFunc(ctx, inv)})
	if err != nil {
		return invokeError(cancelCause(ctx, err))
	}
	r := api.StaticResult{Value: res.Value, Void: res.Void, Output: res.Output, ExecTime: res.ExecTime, ExecutionID: res.ExecutionID}
	return nxclient.InvokeResult{Args: r.Args(), Kwargs: r.Kwargs()}
}

// onReceiveFile stores MAMoC's receive_file (api.ReceiveFile) in the publisher's namespace,
// content-addressed, with the name sanitised and the size limited.
func (o *offload) onReceiveFile(ctx context.Context, ev *wamp.Event) {
	from := callerOf(ev.Details, "publisher")
	f, err := api.ParseReceiveFile(ev.Arguments)
	if err != nil {
		o.log.Warn("receive_file refused", "err", err, "publisher", from.Session)
		return
	}
	res, err := o.cat.PutResource(ctx, from, f.Name, f.Content)
	if err != nil {
		o.log.Warn("receive_file refused", "name", f.Name, "publisher", from.Session, "err", err)
		return
	}
	o.log.Info("received file", "name", res.Name, "sha256", res.SHA256, "size", res.Size, "namespace", res.Namespace)
}

// apiDeploy is api.ProcTaskDeploy: api.DeployRequest → api.Deployment.
func (o *offload) apiDeploy(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	req, err := api.ParseDeployRequest(inv.Arguments, inv.ArgumentsKw)
	if err != nil {
		return invokeError(err)
	}
	ctx, from, end, err := o.trackCall(ctx, inv)
	if err != nil {
		return invokeError(err)
	}
	defer end()
	t0 := time.Now()
	d, err := o.cat.Deploy(ctx, from, req.Source, req.RPCName)
	o.observeDeploy(d, err, time.Since(t0))
	if err != nil {
		return invokeError(cancelCause(ctx, err))
	}
	if err := o.register(ctx, d.Task); err != nil {
		return invokeError(fmt.Errorf("register %s: %w", d.Task.Procedure, err))
	}
	return nxclient.InvokeResult{Kwargs: api.Deployment{TaskInfo: taskInfo(d.Task), Compiled: d.Compiled}.Kwargs()}
}

// taskInfo is t as the wire describes it.
func taskInfo(t *catalog.Task) api.TaskInfo {
	params := make([]api.Param, len(t.ParamTypes))
	for i, typ := range t.ParamTypes {
		params[i].Type = typ
		if i < len(t.ParamNames) {
			params[i].Name = t.ParamNames[i]
		}
	}
	return api.TaskInfo{Task: t.Procedure, Class: t.FQCN, Kind: string(t.Kind), Method: t.Method,
		SourceSHA256: t.SourceSHA256, CtorParams: params, ResourceDependent: t.ResourceDependent,
		RunReturnType: t.ReturnType, Registered: true}
}

// apiRun is api.ProcTaskRun: api.RunRequest → api.RunResult. With receive_progress,
// progress arrives as progressive results (api.ProgressKwargs).
func (o *offload) apiRun(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	r, err := api.ParseRunRequest(inv.ArgumentsKw)
	if err != nil {
		return invokeError(err)
	}
	ctx, from, end, err := o.trackCall(ctx, inv)
	if err != nil {
		return invokeError(err)
	}
	defer end()
	t, ok := o.cat.Lookup(from, r.Task)
	if !ok {
		return invokeError(fmt.Errorf("task %s: %w (deploy it with %s)", r.Task, catalog.ErrNotFound, api.ProcTaskDeploy))
	}
	res, err := o.cat.Run(ctx, from, catalog.RunRequest{Task: t, Params: r.Params, ResourceName: r.Resource,
		ResourceSHA256: r.ResourceSHA256, Lines: r.Lines, Timeout: r.Timeout, Progress: o.progressFunc(ctx, inv)})
	if err != nil {
		return invokeError(cancelCause(ctx, err))
	}
	return nxclient.InvokeResult{Kwargs: api.RunResult{
		Output: res.Output, Value: res.Value, Stdout: res.Stdout, Void: res.Void,
		ExecTime: res.ExecTime, QueueTime: res.QueueTime, Instance: res.Instance, Site: o.site,
		ExecutionID: res.ExecutionID,
	}.Kwargs()}
}

// apiList is api.ProcTaskList → api.TaskList, sorted by name.
func (o *offload) apiList(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	if err := api.ParseNoArgs(api.ProcTaskList, inv.Arguments, inv.ArgumentsKw); err != nil {
		return invokeError(err)
	}
	ts, err := o.cat.List(ctx, callerOf(inv.Details, "caller"))
	if err != nil {
		return invokeError(err)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Procedure < ts[j].Procedure })
	l := api.TaskList{Tasks: make([]api.TaskInfo, len(ts))}
	for i := range ts {
		l.Tasks[i] = taskInfo(&ts[i])
	}
	return nxclient.InvokeResult{Kwargs: l.Kwargs()}
}

// apiResourcePut is api.ProcResourcePut: api.ResourcePut → api.StoredResource. It is
// idempotent: the same content is stored once.
func (o *offload) apiResourcePut(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	req, err := api.ParseResourcePut(inv.Arguments, inv.ArgumentsKw)
	if err != nil {
		return invokeError(err)
	}
	from := callerOf(inv.Details, "caller")
	if req.Name != "" {
		r, err := o.cat.PutResource(ctx, from, req.Name, req.Content)
		if err != nil {
			return invokeError(err)
		}
		return nxclient.InvokeResult{Kwargs: api.StoredResource{SHA256: r.SHA256, Size: r.Size, Name: r.Name}.Kwargs()}
	}
	b, err := o.cat.PutBlob(ctx, from, req.Content)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: api.StoredResource{SHA256: b.SHA256, Size: b.Size}.Kwargs()}
}

// apiResourceMissing is api.ProcResourceMissing: api.ResourceMissing → api.MissingResources.
func (o *offload) apiResourceMissing(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	req, err := api.ParseResourceMissing(inv.ArgumentsKw)
	if err != nil {
		return invokeError(err)
	}
	missing, err := o.cat.MissingBlobs(ctx, callerOf(inv.Details, "caller"), req.SHA256)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: api.MissingResources{Missing: missing}.Kwargs()}
}

// apiExecutionGet is api.ProcExecutionGet: api.IDRequest → api.Execution.
func (o *offload) apiExecutionGet(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	req, err := api.ParseIDRequest(api.ProcExecutionGet, inv.Arguments, inv.ArgumentsKw)
	if err != nil {
		return invokeError(err)
	}
	e, err := o.repo.GetExecution(ctx, req.ID)
	if err != nil {
		return invokeError(err)
	}
	// Only the caller that ran it and admins see an execution; to others it does not exist.
	if from := callerOf(inv.Details, "caller"); !from.Admin() && e.CallerAuthID != from.Owner() {
		return invokeError(fmt.Errorf("execution %s: %w", req.ID, catalog.ErrNotFound))
	}
	return nxclient.InvokeResult{Kwargs: api.Execution{
		ID: e.ID, Task: e.Task, Site: e.Site, Status: string(e.Status), QueueTime: e.QueueTime, ExecTime: e.ExecTime,
		OutputSize: e.OutputSize, ErrorURI: e.ErrorURI, ErrorMessage: e.ErrorMessage, QueuedAt: e.QueuedAt, EndedAt: e.EndedAt,
	}.Kwargs()}
}
