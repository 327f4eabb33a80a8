package server

import (
	"context"
	"fmt"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// onOffloading handles MAMoC's offloading event [source, rpcname, code, resourcename|null,
// params] (and iOS's three-argument form): transform and compile once per source, register
// the task's procedure, run it, and send the result event to the publisher only. A failure
// is sent as the result text, so the phone never waits forever.
func (o *offload) onOffloading(ctx context.Context, ev *wamp.Event) {
	from := callerOf(ev.Details, "publisher")
	start := time.Now()
	req, err := api.ParseOffloading(ev.Arguments)
	if err != nil {
		o.log.Warn("offloading event refused", "err", err, "publisher", from.session)
		o.publishResult(from.session, errorText(err), 0)
		return
	}
	o.log.Info("offloading request", "platform", req.Platform, "task", req.RPCName, "publisher", from.session, "source_bytes", len(req.Code))
	d, err := o.tasks.deploy(ctx, req.Code, req.RPCName)
	if err != nil {
		o.log.Info("offloading deploy failed", "task", req.RPCName, "err", err)
		o.publishResult(from.session, errorText(err), time.Since(start))
		return
	}
	if err := o.register(ctx, d.Task); err != nil {
		o.log.Warn("register task", "task", d.Task.Procedure, "err", err)
	}
	res, err := o.run(ctx, runRequest{Task: d.Task, Params: req.Params, ResourceName: req.Resource, Namespace: from.namespace(),
		CallerAuthID: from.authid, CallerSession: from.session})
	if err != nil {
		o.publishResult(from.session, errorText(err), res.ExecTime)
		return
	}
	o.publishResult(from.session, res.Output, res.ExecTime)
}

// onTaskCall serves a task's own procedure in MAMoC's shape: args [resourcename|null,
// [params…]] (or the flattened [p1, p2, …] of MAMoC's cloud client) → [[output, duration,
// null]]. It also sends the result event to the caller, which MAMoC's edge client waits for.
func (o *offload) onTaskCall(ctx context.Context, proc string, inv *wamp.Invocation) nxclient.InvokeResult {
	from := callerOf(inv.Details, "caller")
	t, ok := o.tasks.lookup(proc)
	if !ok {
		return invokeError(fmt.Errorf("task %s: %w", proc, errNotFound))
	}
	call := api.ParseTaskCall(inv.Arguments)
	res, err := o.run(ctx, runRequest{Task: t, Params: call.Params, ResourceName: call.Resource, Namespace: from.namespace(),
		CallerAuthID: from.authid, CallerSession: from.session, Progress: o.progressFunc(ctx, inv)})
	if err != nil {
		o.publishResult(from.session, errorText(err), res.ExecTime)
		return invokeError(err)
	}
	o.publishResult(from.session, res.Output, res.ExecTime)
	return nxclient.InvokeResult{Args: api.TaskCallResult{Output: res.Output, Duration: res.ExecTime}.Args()}
}

// onReceiveFile stores MAMoC's receive_file [source, file_name, content] in the publisher's
// namespace, content-addressed, with the name sanitised and the size limited.
func (o *offload) onReceiveFile(ctx context.Context, ev *wamp.Event) {
	from := callerOf(ev.Details, "publisher")
	f, err := api.ParseReceiveFile(ev.Arguments)
	if err != nil {
		o.log.Warn("receive_file refused", "err", err, "publisher", from.session)
		return
	}
	res, err := o.resources.put(ctx, from.namespace(), f.Name, f.Content)
	if err != nil {
		o.log.Warn("receive_file refused", "name", f.Name, "publisher", from.session, "err", err)
		return
	}
	o.log.Info("received file", "name", res.Name, "sha256", res.SHA256, "size", res.Size, "namespace", res.App)
}

// errorText is an error as MAMoC's result text: the URI, the message and compiler lines.
func errorText(err error) string {
	we := toWAMP(err)
	return api.ErrorText(we.URI, we.Message, we.Kwargs)
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
