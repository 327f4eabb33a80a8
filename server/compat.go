package server

import (
	"context"
	"fmt"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"
)

// onOffloading handles MAMoC's offloading event [source, rpcname, code, resourcename|null,
// params] (and iOS's three-argument form): transform and compile once per source, register
// the task's procedure, run it, and send the result event to the publisher only. A failure
// is sent as the result text, so the phone never waits forever.
func (o *offload) onOffloading(ctx context.Context, ev *wamp.Event) {
	from := callerOf(ev.Details, "publisher")
	start := time.Now()
	args := ev.Arguments
	if len(args) < 3 {
		o.log.Warn("offloading event with too few arguments", "n", len(args), "publisher", from.session)
		o.publishResult(from.session, fmt.Sprintf("mamoc.error.bad_argument: offloading needs [source, rpcname, code, resourcename, params], got %d arguments", len(args)), 0)
		return
	}
	platform, rpcName, code := asString(args[0]), asString(args[1]), asString(args[2])
	var resName string
	var params []any
	if len(args) > 3 {
		resName = asString(args[3])
	}
	if len(args) > 4 {
		params = paramsList(args[4])
	}
	if noResource(resName) {
		resName = ""
	}
	o.log.Info("offloading request", "platform", platform, "task", rpcName, "publisher", from.session, "source_bytes", len(code))
	d, err := o.tasks.deploy(ctx, code, rpcName)
	if err != nil {
		o.log.Info("offloading deploy failed", "task", rpcName, "err", err)
		o.publishResult(from.session, errorText(err), time.Since(start))
		return
	}
	if err := o.register(ctx, d.Task); err != nil {
		o.log.Warn("register task", "task", d.Task.Procedure, "err", err)
	}
	res, err := o.run(ctx, runRequest{Task: d.Task, Params: params, ResourceName: resName, Namespace: from.namespace(),
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
	resName, params := callShape(inv.Arguments)
	res, err := o.run(ctx, runRequest{Task: t, Params: params, ResourceName: resName, Namespace: from.namespace(),
		CallerAuthID: from.authid, CallerSession: from.session, Progress: o.progressFunc(ctx, inv)})
	if err != nil {
		o.publishResult(from.session, errorText(err), res.ExecTime)
		return invokeError(err)
	}
	o.publishResult(from.session, res.Output, res.ExecTime)
	out := res.Output
	if len(out) > phoneEventLimit {
		out = out[:phoneEventLimit] + "\n… (output truncated by mamoc)"
	}
	return nxclient.InvokeResult{Args: wamp.List{wamp.List{out, res.ExecTime.Seconds(), nil}}}
}

// callShape splits a MAMoC task call's arguments into the resource name and the params.
func callShape(args wamp.List) (string, []any) {
	if len(args) == 2 {
		if l, ok := wamp.AsList(args[1]); ok {
			if args[0] == nil {
				return "", l
			}
			if s, ok := args[0].(string); ok {
				if noResource(s) {
					s = ""
				}
				return s, l
			}
		}
	}
	if len(args) == 1 && args[0] == nil {
		return "", nil
	}
	return "", []any(args) // the cloud client's flattened form
}

// paramsList accepts MAMoC's params as a list, a scalar or null.
func paramsList(v any) []any {
	if v == nil {
		return nil
	}
	if l, ok := wamp.AsList(v); ok {
		return l
	}
	return []any{v}
}

// onReceiveFile stores MAMoC's receive_file [source, file_name, content] in the publisher's
// namespace, content-addressed, with the name sanitised and the size limited.
func (o *offload) onReceiveFile(ctx context.Context, ev *wamp.Event) {
	from := callerOf(ev.Details, "publisher")
	if len(ev.Arguments) < 3 {
		o.log.Warn("receive_file with too few arguments", "n", len(ev.Arguments))
		return
	}
	name := asString(ev.Arguments[1])
	var content []byte
	switch c := ev.Arguments[2].(type) {
	case string:
		content = []byte(c)
	case []byte:
		content = c
	default:
		o.log.Warn("receive_file content is not a string", "type", fmt.Sprintf("%T", c))
		return
	}
	res, err := o.resources.put(ctx, from.namespace(), name, content)
	if err != nil {
		o.log.Warn("receive_file refused", "name", name, "publisher", from.session, "err", err)
		return
	}
	o.log.Info("received file", "name", res.Name, "sha256", res.SHA256, "size", res.Size, "namespace", res.App)
}

// errorText is an error as MAMoC's result text: the URI, the message and compiler lines.
func errorText(err error) string {
	we := toWAMP(err)
	s := we.URI + ": " + we.Message
	if diags, ok := we.Kwargs["diagnostics"].(wamp.List); ok {
		for _, d := range diags {
			if m, ok := d.(wamp.Dict); ok {
				s += fmt.Sprintf("\nline %v:%v: %v", m["line"], m["column"], m["message"])
			}
		}
	}
	return s
}

// progressFunc forwards task progress to the caller when it asked for progressive results.
func (o *offload) progressFunc(ctx context.Context, inv *wamp.Invocation) func(string) {
	if want, _ := inv.Details[wamp.OptReceiveProgress].(bool); !want {
		return nil
	}
	return func(msg string) {
		_ = o.sess.SendProgress(ctx, nil, wamp.Dict{"progress": msg})
	}
}
