package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/api"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// runRequest is one execution of a deployed task.
type runRequest struct {
	Task           *task
	Params         []any  // positional constructor (or method) arguments
	ResourceName   string // resolved in the caller's namespace, then the server's
	ResourceSHA256 string // content-addressed resource, preferred over the name
	Namespace      string // the caller's resource namespace
	Timeout        time.Duration
	Progress       func(string)
	CallerAuthID   string
	CallerSession  uint64
}

// runResult is a finished execution.
type runResult struct {
	Output      string // MAMoC's output: what the task printed, then run()'s value; "nothing" if empty
	Value       any    // run()'s return value decoded from JSON, nil when void
	Stdout      string
	Void        bool
	ExecTime    time.Duration // measured inside the guest
	QueueTime   time.Duration
	Instance    string
	ExecutionID string
}

// run executes req in the runtime and records the execution in the repository.
func (o *offload) run(ctx context.Context, req runRequest) (runResult, error) {
	t := req.Task
	args, err := o.buildArgs(ctx, req)
	if err != nil {
		return runResult{}, err
	}
	exec := repository.Execution{
		Task: t.Procedure, CallerAuthID: req.CallerAuthID, CallerSession: req.CallerSession,
		Site: o.site, ParamDigest: paramDigest(req.Params, req.ResourceName, req.ResourceSHA256),
		QueuedAt: time.Now(),
	}
	call := unikernel.Call{App: t.App, Artifact: t.Artifact, Class: t.FQCN, Method: t.Method,
		ParamTypes: t.ParamTypes, Args: args, Progress: req.Progress}
	if req.Timeout > 0 {
		call.Limits.WallTime = req.Timeout
	}
	res, runErr := o.rt.Invoke(ctx, call)
	out := runResult{Stdout: res.Stdout, Void: res.Void, ExecTime: res.ExecTime, QueueTime: res.QueueTime,
		Instance: res.Instance}
	if runErr == nil {
		out.Output = res.Stdout
		if !res.Void {
			out.Output += res.Output
			if len(res.JSON) > 0 {
				_ = json.Unmarshal(res.JSON, &out.Value)
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
		we := toWAMP(runErr)
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
	// One write per execution, when it ends: a task's time is not spent waiting for the disk.
	rec, err := o.repo.InsertExecution(context.WithoutCancel(ctx), exec)
	if err != nil {
		o.log.Warn("record execution", "task", t.Procedure, "err", err)
	}
	out.ExecutionID = rec.ID
	return out, runErr
}

// buildArgs puts the resource content first when the task takes one, then the params,
// normalised to the JSON-like values the runtime converts by the declared types.
func (o *offload) buildArgs(ctx context.Context, req runRequest) ([]any, error) {
	t := req.Task
	params := make([]any, 0, len(req.Params)+1)
	hasRes := req.ResourceSHA256 != "" || req.ResourceName != ""
	takesRes := t.ResourceDependent ||
		(hasRes && len(t.ParamTypes) == len(req.Params)+1 && len(t.ParamTypes) > 0 && t.ParamTypes[0] == "String")
	if takesRes {
		if !hasRes {
			return nil, badArg("task %s needs a resource (its content is the first constructor argument)", t.FQCN)
		}
		content, err := o.resources.content(ctx, req.Namespace, req.ResourceName, req.ResourceSHA256)
		if err != nil {
			return nil, err
		}
		params = append(params, string(content))
	}
	for i, p := range req.Params {
		v, err := normalizeArg(p)
		if err != nil {
			return nil, badArg("param %d: %v", i, err)
		}
		params = append(params, v)
	}
	if t.ParamTypes != nil && len(params) != len(t.ParamTypes) {
		return nil, badArg("task %s takes %d arguments %v, got %d", t.FQCN, len(t.ParamTypes), t.ParamTypes, len(params))
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
func paramDigest(params []any, resName, resSHA string) string {
	b, _ := json.Marshal([]any{params, resName, resSHA})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}
