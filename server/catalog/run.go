package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// RunRequest is one execution of a deployed task.
type RunRequest struct {
	Task           *Task
	Params         []any          // positional constructor (or method) arguments
	CtorParams     []any          // an instance method's constructor arguments
	ResourceName   string         // resolved in the server's namespace, then the caller's
	ResourceSHA256 string         // content-addressed resource, preferred over the name
	Lines          *api.LineRange // only these lines of the resource, nil for all
	Timeout        time.Duration
	Progress       func(string)
}

// RunResult is a finished execution.
type RunResult struct {
	Output      string // MAMoC's output: what the task printed, then run()'s value; "nothing" if empty
	Value       any    // run()'s return value decoded from JSON, nil when void
	Stdout      string
	Void        bool
	ExecTime    time.Duration // measured inside the guest
	QueueTime   time.Duration
	Instance    string
	ExecutionID string
}

// Run executes req for from in the runtime and records the execution. Every call of a
// task, in any shape, passes through here once.
func (c *Catalog) Run(ctx context.Context, from Caller, req RunRequest) (RunResult, error) {
	t := req.Task
	args, err := c.buildArgs(ctx, from, req)
	if err != nil {
		return RunResult{}, err
	}
	ctor := make([]any, 0, len(req.CtorParams))
	for i, v := range req.CtorParams {
		n, err := normalizeArg(v)
		if err != nil {
			return RunResult{}, BadArgument("constructor argument %d: %v", i, err)
		}
		ctor = append(ctor, n)
	}
	exec := repository.Execution{
		Task: t.Procedure, CallerAuthID: from.AuthID, CallerSession: from.Session,
		Site: c.cfg.Site, ParamDigest: paramDigest(req.Params, req.ResourceName, req.ResourceSHA256, req.Lines),
		QueuedAt: time.Now(),
	}
	call := unikernel.Call{Group: t.Group, Owner: from.Owner(), Artifact: t.Artifact, Class: t.FQCN, Method: t.Method,
		ParamTypes: t.ParamTypes, Args: args, Progress: req.Progress, Instance: t.Instance(), CtorArgs: ctor}
	if req.Timeout > 0 {
		call.Limits.WallTime = req.Timeout
	}
	res, runErr := c.rt.Invoke(ctx, call)
	out := RunResult{Stdout: res.Stdout, Void: res.Void, ExecTime: res.ExecTime, QueueTime: res.QueueTime,
		Instance: res.Instance}
	if runErr == nil {
		out.Output = res.Stdout
		if !res.Void {
			out.Output += res.Output
			if len(res.JSON) > 0 {
				out.Value, _ = decodeResult(res.JSON, t.Kind != repository.TaskSource)
			}
		}
		if out.Output == "" {
			out.Output = "nothing"
		}
	}
	exec.StartedAt = exec.QueuedAt.Add(res.QueueTime)
	exec.EndedAt = time.Now()
	exec.QueueTime, exec.ExecTime = res.QueueTime, res.ExecTime
	exec.OutputSize = int64(len(out.Output))
	exec.Status = repository.StatusDone
	if runErr != nil {
		we := WAMPError(runErr)
		exec.ErrorURI, exec.ErrorMessage = we.URI, we.Message
		switch we.URI {
		case api.ErrTimeout:
			exec.Status = repository.StatusTimedOut
		case api.ErrCanceled:
			exec.Status = repository.StatusCancelled
		default:
			exec.Status = repository.StatusFailed
		}
	}
	// One record per execution, when it ends; the caller never waits for the disk.
	id, err := c.cfg.Recorder.RecordExecution(context.WithoutCancel(ctx), exec)
	if err != nil {
		c.log.Warn("record execution", "task", t.Procedure, "err", err)
	}
	out.ExecutionID = id
	return out, runErr
}

// buildArgs puts the resource content first when the task takes one, then the params,
// normalised to the JSON-like values the runtime converts by the declared types.
func (c *Catalog) buildArgs(ctx context.Context, from Caller, req RunRequest) ([]any, error) {
	t := req.Task
	params := make([]any, 0, len(req.Params)+1)
	hasRes := req.ResourceSHA256 != "" || req.ResourceName != ""
	takesRes := t.ResourceDependent ||
		(hasRes && len(t.ParamTypes) == len(req.Params)+1 && len(t.ParamTypes) > 0 && t.ParamTypes[0] == "String")
	if req.Lines != nil && !hasRes {
		return nil, BadArgument("kwarg lines needs a resource (kwarg resource or resource_sha256)")
	}
	if hasRes && !takesRes {
		return nil, BadArgument("task %s takes no resource (its constructor %v has no leading String for a resource's content); send resource null",
			t.FQCN, t.ParamTypes)
	}
	if takesRes {
		if !hasRes {
			return nil, BadArgument("task %s needs a resource (its content is the first constructor argument)", t.FQCN)
		}
		content, err := c.content(ctx, from, req.ResourceName, req.ResourceSHA256)
		if err != nil {
			return nil, err
		}
		if r := req.Lines; r != nil {
			cut, n, ok := api.CutLines(content, *r)
			if !ok {
				return nil, BadArgument("kwarg lines [%d, %d) lies outside the resource's %d lines", r.From, r.To, n)
			}
			content = cut
		}
		params = append(params, string(content))
	}
	for i, p := range req.Params {
		v, err := normalizeArg(p)
		if err != nil {
			return nil, BadArgument("param %d: %v", i, err)
		}
		params = append(params, v)
	}
	if t.ParamTypes != nil && len(params) != len(t.ParamTypes) {
		return nil, BadArgument("task %s takes %d arguments %v, got %d", t.FQCN, len(t.ParamTypes), t.ParamTypes, len(params))
	}
	return params, nil
}

// normalizeArg turns a decoded WAMP value into float64/int64/string/bool/[]any/[]byte/nil.
func normalizeArg(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, float64, int64, []byte:
		return x, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		if x > 1<<63-1 {
			return nil, errors.New("integer out of range")
		}
		return int64(x), nil
	case uint:
		if uint64(x) > 1<<63-1 {
			return nil, errors.New("integer out of range")
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalizeArg(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

// paramDigest identifies a call's inputs for the history (same inputs, same digest).
func paramDigest(params []any, resName, resSHA string, lines *api.LineRange) string {
	in := []any{params, resName, resSHA}
	if lines != nil {
		in = append(in, []int{lines.From, lines.To})
	}
	b, _ := json.Marshal(in)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
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
