package client

import (
	"context"
	"fmt"
	"time"

	"github.com/gammazero/nexus/v3/wamp"
)

// Procedure URIs of the mamoc API.
const (
	ProcDeploy          = "mamoc.task.deploy"
	ProcRun             = "mamoc.task.run"
	ProcList            = "mamoc.task.list"
	ProcResourcePut     = "mamoc.resource.put"
	ProcResourceMissing = "mamoc.resource.missing"
	ProcStats           = "mamoc.stats.get"
	TopicStats          = "uk.ac.standrews.cs.mamoc.stats"
)

// Param is one constructor parameter of a task class.
type Param struct {
	Name string `json:"name"`
	Type string `json:"type"` // Java type: int, long, double, boolean, String
}

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
	kw := wamp.Dict{"source": source}
	if rpcname != "" {
		kw["rpcname"] = rpcname
	}
	res, err := c.call(ctx, ProcDeploy, nil, kw, nil)
	if err != nil {
		return Deployment{}, fmt.Errorf("deploy: %w", err)
	}
	k := res.ArgumentsKw
	d := Deployment{
		Task: str(k, "task"), Class: str(k, "class"), SourceSHA256: str(k, "source_sha256"), Compiled: boolean(k, "compiled"),
		CtorParams: params(k["ctor_params"]), ResourceDependent: boolean(k, "resource_dependent"),
		RunReturnType: str(k, "run_return_type"),
	}
	if d.Task == "" {
		return Deployment{}, protocolError(ProcDeploy, "no task in %v", k)
	}
	return d, nil
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
	if params == nil {
		params = []any{}
	}
	kw := wamp.Dict{"task": task, "params": wamp.List(params), "resource": nil, "resource_sha256": nil}
	if ro.Resource != "" {
		kw["resource"] = ro.Resource
	}
	if ro.ResourceSHA256 != "" {
		kw["resource_sha256"] = ro.ResourceSHA256
	}
	if ro.Timeout > 0 {
		kw["timeout_ms"] = max(ro.Timeout.Milliseconds(), 1)
	}
	var prog func(*wamp.Result)
	if ro.Progress != nil {
		prog = func(r *wamp.Result) {
			if p, ok := wamp.AsString(r.ArgumentsKw["progress"]); ok {
				ro.Progress(p)
			} else if len(r.Arguments) > 0 {
				ro.Progress(fmt.Sprint(r.Arguments[0]))
			}
		}
	}
	start := time.Now()
	res, err := c.call(ctx, ProcRun, nil, kw, prog)
	if err != nil {
		return Result{}, fmt.Errorf("run %s: %w", task, err)
	}
	k := res.ArgumentsKw
	out, ok := wamp.AsString(k["output"])
	if !ok {
		return Result{}, protocolError(ProcRun, "no output in %v", k)
	}
	return Result{
		Output: out, Value: k["value"], Stdout: str(k, "stdout"), Void: boolean(k, "void"), ExecTime: seconds(float(k, "exec_time_s")), QueueTime: seconds(float(k, "queue_time_s")),
		Instance: str(k, "instance"), Site: str(k, "site"), ExecutionID: str(k, "execution_id"),
		RoundTrip: time.Since(start),
	}, nil
}

// RunLegacy calls a task the way an unmodified MAMoC phone does once it is registered: the
// procedure named by the task's FQCN with args [resource|null, [params…]], answered with
// [[output, duration_s, null]]. resource "" sends null.
func (c *Client) RunLegacy(ctx context.Context, task, resource string, params []any) (Result, error) {
	var res any
	if resource != "" {
		res = resource
	}
	if params == nil {
		params = []any{}
	}
	start := time.Now()
	r, err := c.call(ctx, task, wamp.List{res, wamp.List(params)}, nil, nil)
	if err != nil {
		return Result{}, fmt.Errorf("run legacy %s: %w", task, err)
	}
	if len(r.Arguments) == 0 {
		return Result{}, protocolError(task, "empty result")
	}
	triple, ok := wamp.AsList(r.Arguments[0])
	if !ok || len(triple) < 2 {
		return Result{}, protocolError(task, "result %v, want [[output, duration, null]]", r.Arguments)
	}
	out, _ := wamp.AsString(triple[0])
	dur, _ := wamp.AsFloat64(triple[1])
	return Result{Output: out, ExecTime: seconds(dur), RoundTrip: time.Since(start)}, nil
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
	res, err := c.call(ctx, ProcList, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	list, ok := wamp.AsList(res.ArgumentsKw["tasks"])
	if !ok && res.ArgumentsKw["tasks"] != nil {
		return nil, protocolError(ProcList, "tasks %T, want a list", res.ArgumentsKw["tasks"])
	}
	tasks := make([]TaskInfo, 0, len(list))
	for _, t := range list {
		d, _ := wamp.AsDict(t)
		tasks = append(tasks, TaskInfo{
			Task: str(d, "task"), Class: str(d, "class"), Kind: str(d, "kind"), CtorParams: params(d["ctor_params"]),
			ResourceDependent: boolean(d, "resource_dependent"), Registered: boolean(d, "registered"),
		})
	}
	return tasks, nil
}

// params decodes a list of {name, type}.
func params(v any) []Param {
	list, _ := wamp.AsList(v)
	ps := make([]Param, 0, len(list))
	for _, p := range list {
		d, _ := wamp.AsDict(p)
		ps = append(ps, Param{Name: str(d, "name"), Type: str(d, "type")})
	}
	return ps
}
