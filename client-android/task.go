package client

import (
	"context"
	"fmt"
	"time"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// Param is one constructor parameter of a task class.
type Param = api.Param

// Deployment is the server's answer to Deploy.
type Deployment struct {
	// Task is the name Run takes: the rpcname, or the class's FQCN.
	Task string `json:"task"`
	// Class is the task class's fully-qualified name, when the server reports it.
	Class string `json:"class,omitempty"`
	// SourceSHA256 is the hex SHA-256 of the source as the server received it.
	SourceSHA256 string `json:"source_sha256"`
	// Compiled is true when the server compiled the source now, false on a cache hit.
	Compiled bool `json:"compiled"`
	// CtorParams are the constructor's parameters, without the resource.
	CtorParams []Param `json:"ctor_params"`
	// ResourceDependent is true when the constructor's first argument is a resource's content.
	ResourceDependent bool `json:"resource_dependent"`
	// RunReturnType is the Java return type of run(), "void" when it returns nothing.
	RunReturnType string `json:"run_return_type"`
}

// Deploy sends the Java source of a MAMoC task class (as jadx decompiles it) to the server, which
// transforms and compiles it once per source SHA-256. rpcname optionally names the task; empty
// means its FQCN. It fails with ErrCompile (see Error.Diagnostics), ErrNotOffloadable or
// ErrBadArgument.
func (c *Client) Deploy(ctx context.Context, source, rpcname string) (Deployment, error) {
	res, err := c.call(ctx, api.ProcTaskDeploy, nil, api.DeployRequest{Source: source, RPCName: rpcname}.Kwargs(), nil)
	if err != nil {
		return Deployment{}, fmt.Errorf("deploy: %w", err)
	}
	d, err := api.ParseDeployment(res.ArgumentsKw)
	if err != nil {
		return Deployment{}, protocolError(api.ProcTaskDeploy, "%v", err)
	}
	return Deployment{
		Task: d.Task, Class: d.Class, SourceSHA256: d.SourceSHA256, Compiled: d.Compiled, CtorParams: d.CtorParams,
		ResourceDependent: d.ResourceDependent, RunReturnType: d.RunReturnType,
	}, nil
}

// RunOptions are the optional parts of a Run.
type RunOptions struct {
	// Resource names the resource whose content is the task's first constructor argument.
	Resource string
	// ResourceSHA256 identifies the resource's content (hex SHA-256, see SHA256); the server
	// prefers it to Resource.
	ResourceSHA256 string
	// Timeout bounds the task's execution on the server (rounded to ms). Default: the server's.
	Timeout time.Duration
	// Lines, when set, gives the task only the lines [From, To) (zero-based) of its resource,
	// each keeping its newline; the resource is sent whole, once. Nil means every line.
	Lines *api.LineRange
	// Progress, when set, receives the task's progress messages while it runs. It runs on its
	// own goroutine, one message at a time, and must not block for long.
	Progress func(string)
}

// Result is the outcome of a Run.
type Result struct {
	// Output is MAMoC's output text: what the task printed, then run()'s value ("nothing" if
	// both are empty).
	Output string `json:"output"`
	// Value is run()'s return value decoded from JSON (nil for void), when the server sends it.
	Value any `json:"value,omitempty"`
	// Stdout is what the task printed, when the server sends it.
	Stdout string `json:"stdout,omitempty"`
	// Void is true when run() returns void, as the server reports it.
	Void bool `json:"void,omitempty"`
	// ExecTime is the execution time on the server, without queueing.
	ExecTime time.Duration `json:"exec_time"`
	// QueueTime is how long the call waited for an instance.
	QueueTime time.Duration `json:"queue_time"`
	// Instance, Site and ExecutionID identify where and as what the task ran.
	Instance    string `json:"instance"`
	Site        string `json:"site"`
	ExecutionID string `json:"execution_id"`
	// RoundTrip is the call's duration as measured by the client.
	RoundTrip time.Duration `json:"round_trip"`
}

// Run runs a deployed task with its constructor's params (Go int, int64, float64, bool, string)
// and waits for its result. Ending ctx cancels the call, which kills the task on the server, and
// returns an error matching both ErrCanceled and ctx.Err(). It fails with ErrNotFound, ErrRuntime
// (see Error.Exception), ErrTimeout, ErrLimit, ErrBadArgument, ErrCompile, ErrNotOffloadable or
// ErrBusy.
func (c *Client) Run(ctx context.Context, task string, params []any, ro RunOptions) (Result, error) {
	req := api.RunRequest{Task: task, Params: params, Resource: ro.Resource, ResourceSHA256: ro.ResourceSHA256, Timeout: ro.Timeout, Lines: ro.Lines}
	var prog func(*wamp.Result)
	if ro.Progress != nil {
		prog = func(r *wamp.Result) {
			if p, ok := api.ParseProgress(r.Arguments, r.ArgumentsKw); ok {
				ro.Progress(p)
			} else if len(r.Arguments) > 0 {
				ro.Progress(fmt.Sprint(r.Arguments[0]))
			}
		}
	}
	start := time.Now()
	res, err := c.call(ctx, api.ProcTaskRun, nil, req.Kwargs(), prog)
	if err != nil {
		return Result{}, fmt.Errorf("run %s: %w", task, err)
	}
	r, err := api.ParseRunResult(res.ArgumentsKw)
	if err != nil {
		return Result{}, protocolError(api.ProcTaskRun, "%v", err)
	}
	return Result{
		Output: r.Output, Value: r.Value, Stdout: r.Stdout, Void: r.Void, ExecTime: r.ExecTime, QueueTime: r.QueueTime,
		Instance: r.Instance, Site: r.Site, ExecutionID: r.ExecutionID, RoundTrip: time.Since(start),
	}, nil
}

// RunLegacy calls a task the way an unmodified MAMoC phone does once it is registered: the
// procedure named by the task's FQCN with args [resource|null, [params…]], answered with
// [[output, duration_s, null]]. resource "" sends null.
func (c *Client) RunLegacy(ctx context.Context, task, resource string, params []any) (Result, error) {
	start := time.Now()
	r, err := c.call(ctx, task, api.TaskCall{Resource: resource, Params: params}.Args(), nil, nil)
	if err != nil {
		return Result{}, fmt.Errorf("run legacy %s: %w", task, err)
	}
	out, err := api.ParseTaskCallResult(r.Arguments)
	if err != nil {
		return Result{}, protocolError(task, "%v", err)
	}
	return Result{Output: out.Output, ExecTime: out.Duration, RoundTrip: time.Since(start)}, nil
}

// TaskInfo describes one task the server knows.
type TaskInfo struct {
	// Task is the name Run takes; Class the task class's FQCN, when the server reports it.
	Task  string `json:"task"`
	Class string `json:"class,omitempty"`
	// Kind says how the task came to be, e.g. "deployed" or "mamoc".
	Kind              string  `json:"kind"`
	CtorParams        []Param `json:"ctor_params"`
	ResourceDependent bool    `json:"resource_dependent"`
	// Registered is true when the task's legacy per-task procedure is registered.
	Registered bool `json:"registered"`
}

// Tasks lists the tasks deployed on the server.
func (c *Client) Tasks(ctx context.Context) ([]TaskInfo, error) {
	res, err := c.call(ctx, api.ProcTaskList, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	l, err := api.ParseTaskList(res.ArgumentsKw)
	if err != nil {
		return nil, protocolError(api.ProcTaskList, "%v", err)
	}
	tasks := make([]TaskInfo, 0, len(l.Tasks))
	for _, t := range l.Tasks {
		tasks = append(tasks, TaskInfo{Task: t.Task, Class: t.Class, Kind: t.Kind, CtorParams: t.CtorParams,
			ResourceDependent: t.ResourceDependent, Registered: t.Registered})
	}
	return tasks, nil
}
