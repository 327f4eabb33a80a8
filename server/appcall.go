package server

import (
	"bytes"
	"context"
	"encoding/json"
	"math"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
)

// instance reports whether t is a refactored app's instance method: a dex class with an entry
// method (the MAMoC shape has none).
func (t *task) instance() bool { return t.Kind == repository.TaskDexClass && t.Method != "" }

// onInstanceCall serves a refactored app's instance method: kwargs {ctor, args} (see
// api.AppCall) build the object with a public constructor picked by arity and call the method;
// the result is as for a static method, an object as its public fields.
func (o *offload) onInstanceCall(ctx context.Context, t *task, inv *wamp.Invocation) nxclient.InvokeResult {
	c, err := api.ParseAppCall(inv.Arguments, inv.ArgumentsKw)
	if err != nil {
		return invokeError(badArg("%s: %v", t.Procedure, err))
	}
	ctor := make([]any, 0, len(c.Ctor))
	for i, v := range c.Ctor {
		n, err := normalizeArg(v)
		if err != nil {
			return invokeError(badArg("constructor argument %d: %v", i, err))
		}
		ctor = append(ctor, n)
	}
	from := callerOf(inv.Details, "caller")
	res, err := o.run(ctx, runRequest{Task: t, Params: c.Args, CtorParams: ctor, Namespace: from.namespace(),
		CallerAuthID: from.authid, CallerSession: from.session, Progress: o.progressFunc(ctx, inv)})
	if err != nil {
		return invokeError(err)
	}
	r := api.StaticResult{Value: res.Value, Void: res.Void, Output: res.Output, ExecTime: res.ExecTime, ExecutionID: res.ExecutionID}
	return nxclient.InvokeResult{Args: r.Args(), Kwargs: r.Kwargs()}
}

// decodeResult decodes a task's JSON result. With ints set, integral numbers stay integers
// (int64) instead of float64, so that a Java int arrives as an integer over CBOR and MsgPack.
func decodeResult(b []byte, ints bool) (any, error) {
	if !ints {
		var v any
		err := json.Unmarshal(b, &v)
		return v, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return integers(v), nil
}

// integers replaces the json.Numbers of v: int64 when integral and in range, else float64.
func integers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return x.String()
		}
		return f
	case []any:
		for i := range x {
			x[i] = integers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = integers(x[k])
		}
	}
	return v
}
