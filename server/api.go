package server

import (
	"context"
	"fmt"
	"sort"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
)

// apiDeploy is mamoc.task.deploy kwargs {source, rpcname?} → kwargs {task, source_sha256,
// compiled, ctor_params, resource_dependent, run_return_type}.
func (o *offload) apiDeploy(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	source, ok := inv.ArgumentsKw["source"].(string)
	if !ok && len(inv.Arguments) > 0 {
		source, ok = inv.Arguments[0].(string)
	}
	if !ok || source == "" {
		return invokeError(badArg("mamoc.task.deploy needs kwargs {source: Java source}"))
	}
	d, err := o.tasks.deploy(ctx, source, asString(inv.ArgumentsKw["rpcname"]))
	if err != nil {
		return invokeError(err)
	}
	if err := o.register(ctx, d.Task); err != nil {
		return invokeError(fmt.Errorf("register %s: %w", d.Task.Procedure, err))
	}
	return nxclient.InvokeResult{Kwargs: taskDict(d.Task, wamp.Dict{"compiled": d.Compiled})}
}

func taskDict(t *task, extra wamp.Dict) wamp.Dict {
	params := make(wamp.List, len(t.ParamTypes))
	for i, typ := range t.ParamTypes {
		p := wamp.Dict{"type": typ}
		if i < len(t.ParamNames) {
			p["name"] = t.ParamNames[i]
		}
		params[i] = p
	}
	d := wamp.Dict{
		"task": t.Procedure, "class": t.FQCN, "kind": string(t.Kind), "source_sha256": t.SourceSHA256,
		"ctor_params": params, "resource_dependent": t.ResourceDependent, "run_return_type": t.ReturnType,
		"registered": true,
	}
	if t.Method != "" {
		d["method"] = t.Method
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// apiRun is mamoc.task.run kwargs {task, params, resource, resource_sha256, timeout_ms} →
// kwargs {output, value, stdout, void, exec_time_s, queue_time_s, instance, site, execution_id}.
// With receive_progress, progress arrives as progressive results with kwargs {progress}.
func (o *offload) apiRun(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	kw := inv.ArgumentsKw
	name := asString(kw["task"])
	if name == "" {
		return invokeError(badArg("mamoc.task.run needs kwargs {task: name}"))
	}
	t, ok := o.tasks.lookup(name)
	if !ok {
		return invokeError(fmt.Errorf("task %s: %w (deploy it with mamoc.task.deploy)", name, errNotFound))
	}
	var params []any
	if p, ok := kw["params"]; ok && p != nil {
		l, ok := wamp.AsList(p)
		if !ok {
			return invokeError(badArg("params must be a list"))
		}
		params = l
	}
	req := runRequest{Task: t, Params: params, ResourceName: asString(kw["resource"]),
		ResourceSHA256: asString(kw["resource_sha256"]), Progress: o.progressFunc(ctx, inv)}
	if ms, ok := wamp.AsInt64(kw["timeout_ms"]); ok && ms > 0 {
		req.Timeout = time.Duration(ms) * time.Millisecond
	}
	from := callerOf(inv.Details, "caller")
	req.Namespace, req.CallerAuthID, req.CallerSession = from.namespace(), from.authid, from.session
	res, err := o.run(ctx, req)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: wamp.Dict{
		"output": res.Output, "value": res.Value, "stdout": res.Stdout, "void": res.Void,
		"exec_time_s": res.ExecTime.Seconds(), "queue_time_s": res.QueueTime.Seconds(),
		"instance": res.Instance, "site": o.site, "execution_id": res.ExecutionID,
	}}
}

// apiList is mamoc.task.list → kwargs {tasks: [...]}, sorted by name.
func (o *offload) apiList(context.Context, *wamp.Invocation) nxclient.InvokeResult {
	ts := o.tasks.list()
	sort.Slice(ts, func(i, j int) bool { return ts[i].Procedure < ts[j].Procedure })
	out := make(wamp.List, len(ts))
	for i, t := range ts {
		out[i] = taskDict(t, nil)
	}
	return nxclient.InvokeResult{Kwargs: wamp.Dict{"tasks": out}}
}

// apiResourcePut is mamoc.resource.put args [content] kwargs {name?} → kwargs {sha256, size}.
// It is idempotent: the same content is stored once.
func (o *offload) apiResourcePut(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	if len(inv.Arguments) < 1 {
		return invokeError(badArg("mamoc.resource.put needs args [content]"))
	}
	var content []byte
	switch c := inv.Arguments[0].(type) {
	case []byte:
		content = c
	case string:
		content = []byte(c)
	default:
		return invokeError(badArg("content must be bytes or a string, not %T", c))
	}
	from := callerOf(inv.Details, "caller")
	if name := asString(inv.ArgumentsKw["name"]); name != "" {
		r, err := o.resources.put(ctx, from.namespace(), name, content)
		if err != nil {
			return invokeError(err)
		}
		return nxclient.InvokeResult{Kwargs: wamp.Dict{"sha256": r.SHA256, "size": r.Size, "name": r.Name}}
	}
	b, err := o.resources.putBlob(ctx, content)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: wamp.Dict{"sha256": b.SHA256, "size": b.Size}}
}

// apiResourceMissing is mamoc.resource.missing kwargs {sha256: [...]} → kwargs {missing: [...]}.
func (o *offload) apiResourceMissing(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	l, ok := wamp.AsList(inv.ArgumentsKw["sha256"])
	if !ok {
		return invokeError(badArg("mamoc.resource.missing needs kwargs {sha256: [hashes]}"))
	}
	shas := make([]string, 0, len(l))
	for _, v := range l {
		s, ok := v.(string)
		if !ok || !repository.ValidSHA256(s) {
			return invokeError(badArg("%v is not a sha256", v))
		}
		shas = append(shas, s)
	}
	missing, err := o.repo.MissingBlobs(ctx, shas)
	if err != nil {
		return invokeError(err)
	}
	out := make(wamp.List, len(missing))
	for i, m := range missing {
		out[i] = m
	}
	return nxclient.InvokeResult{Kwargs: wamp.Dict{"missing": out}}
}

// apiExecutionGet is mamoc.execution.get kwargs {id} → the execution record.
func (o *offload) apiExecutionGet(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	id := idArg(inv)
	e, err := o.repo.GetExecution(ctx, id)
	if err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: wamp.Dict{
		"id": e.ID, "task": e.Task, "site": e.Site, "status": string(e.Status),
		"queue_time_s": e.QueueTime.Seconds(), "exec_time_s": e.ExecTime.Seconds(),
		"output_size": e.OutputSize, "error_uri": e.ErrorURI, "error_message": e.ErrorMessage,
		"queued_at": e.QueuedAt.Format(time.RFC3339Nano), "ended_at": e.EndedAt.Format(time.RFC3339Nano),
	}}
}
