package server

import (
	"context"
	"fmt"
	"sort"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
)

// apiDeploy is api.ProcTaskDeploy: api.DeployRequest → api.Deployment.
func (o *offload) apiDeploy(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	req, err := api.ParseDeployRequest(inv.Arguments, inv.ArgumentsKw)
	if err != nil {
		return invokeError(err)
	}
	d, err := o.tasks.deploy(ctx, req.Source, req.RPCName)
	if err != nil {
		return invokeError(err)
	}
	if err := o.register(ctx, d.Task); err != nil {
		return invokeError(fmt.Errorf("register %s: %w", d.Task.Procedure, err))
	}
	return nxclient.InvokeResult{Kwargs: api.Deployment{TaskInfo: taskInfo(d.Task), Compiled: d.Compiled}.Kwargs()}
}

// taskInfo is t as the wire describes it.
func taskInfo(t *task) api.TaskInfo {
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
	t, ok := o.tasks.lookup(r.Task)
	if !ok {
		return invokeError(fmt.Errorf("task %s: %w (deploy it with %s)", r.Task, errNotFound, api.ProcTaskDeploy))
	}
	req := runRequest{Task: t, Params: r.Params, ResourceName: r.Resource, ResourceSHA256: r.ResourceSHA256,
		Timeout: r.Timeout, Progress: o.progressFunc(ctx, inv)}
	from := callerOf(inv.Details, "caller")
	req.Namespace, req.CallerAuthID, req.CallerSession = from.namespace(), from.authid, from.session
	res, err := o.run(ctx, req)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: api.RunResult{
		Output: res.Output, Value: res.Value, Stdout: res.Stdout, Void: res.Void,
		ExecTime: res.ExecTime, QueueTime: res.QueueTime, Instance: res.Instance, Site: o.site,
		ExecutionID: res.ExecutionID,
	}.Kwargs()}
}

// apiList is api.ProcTaskList → api.TaskList, sorted by name.
func (o *offload) apiList(context.Context, *wamp.Invocation) nxclient.InvokeResult {
	ts := o.tasks.list()
	sort.Slice(ts, func(i, j int) bool { return ts[i].Procedure < ts[j].Procedure })
	l := api.TaskList{Tasks: make([]api.TaskInfo, len(ts))}
	for i, t := range ts {
		l.Tasks[i] = taskInfo(t)
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
		r, err := o.resources.put(ctx, from.namespace(), req.Name, req.Content)
		if err != nil {
			return invokeError(err)
		}
		return nxclient.InvokeResult{Kwargs: api.StoredResource{SHA256: r.SHA256, Size: r.Size, Name: r.Name}.Kwargs()}
	}
	b, err := o.resources.putBlob(ctx, req.Content)
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
	for _, s := range req.SHA256 {
		if !repository.ValidSHA256(s) {
			return invokeError(badArg("%v is not a sha256", s))
		}
	}
	missing, err := o.repo.MissingBlobs(ctx, req.SHA256)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: api.MissingResources{Missing: missing}.Kwargs()}
}

// apiExecutionGet is api.ProcExecutionGet: api.IDRequest → api.Execution.
func (o *offload) apiExecutionGet(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	e, err := o.repo.GetExecution(ctx, api.ParseIDRequest(inv.Arguments, inv.ArgumentsKw).ID)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: api.Execution{
		ID: e.ID, Task: e.Task, Site: e.Site, Status: string(e.Status), QueueTime: e.QueueTime, ExecTime: e.ExecTime,
		OutputSize: e.OutputSize, ErrorURI: e.ErrorURI, ErrorMessage: e.ErrorMessage, QueuedAt: e.QueuedAt, EndedAt: e.EndedAt,
	}.Kwargs()}
}
