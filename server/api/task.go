package api

import (
	"time"

	"github.com/gammazero/nexus/v3/wamp"
)

// Param is one parameter of a task's constructor (or static method).
type Param struct {
	Name string `json:"name"`
	Type string `json:"type"` // Java type: int, long, double, boolean, String, …
}

// DeployRequest is ProcTaskDeploy's request: kwargs {source, rpcname?} (or args [source]).
type DeployRequest struct {
	// Source is the Java source of a MAMoC task class, as jadx decompiles it.
	Source string
	// RPCName names the task; "" means its FQCN.
	RPCName string
}

// Kwargs returns the request's kwargs.
func (r DeployRequest) Kwargs() wamp.Dict {
	kw := wamp.Dict{"source": r.Source}
	if r.RPCName != "" {
		kw["rpcname"] = r.RPCName
	}
	return kw
}

// ParseDeployRequest reads a deploy request: kwargs {source, rpcname?} or args [source]. A
// missing or empty source, a field of the wrong type and an unknown kwarg are ErrInvalid.
func ParseDeployRequest(args wamp.List, kw wamp.Dict) (DeployRequest, error) {
	r, err := readKwargs(ProcTaskDeploy, kw, "source", "rpcname")
	if err != nil {
		return DeployRequest{}, err
	}
	source, err := r.str("source", false)
	if err != nil {
		return DeployRequest{}, err
	}
	switch {
	case len(args) > 1:
		return DeployRequest{}, invalid("%s takes at most args [source], got %d args", ProcTaskDeploy, len(args))
	case len(args) == 1 && source != "":
		return DeployRequest{}, invalid("%s: source given both as args[0] and as kwarg", ProcTaskDeploy)
	case len(args) == 1:
		s, ok := args[0].(string)
		if !ok {
			return DeployRequest{}, invalid("%s: args[0] (source) must be a string, got %s", ProcTaskDeploy, Describe(args[0]))
		}
		source = s
	}
	if source == "" {
		return DeployRequest{}, invalid("%s needs kwargs {source: Java source}", ProcTaskDeploy)
	}
	rpc, err := r.name("rpcname", false)
	if err != nil {
		return DeployRequest{}, err
	}
	return DeployRequest{Source: source, RPCName: rpc}, nil
}

// TaskInfo describes a deployed task, as ProcTaskList lists it.
type TaskInfo struct {
	// Task is the procedure the task is registered under and the name ProcTaskRun takes.
	Task string
	// Class is the task class's fully-qualified name.
	Class string
	// Kind says how the task came to be: "source" (deployed), "dex_class" or "dex_static"
	// (from a refactored APK).
	Kind string
	// Method is the static method of a "dex_static" task, else "".
	Method string
	// SourceSHA256 is the hex SHA-256 of the deployed source (of the APK for refactored tasks).
	SourceSHA256 string
	// CtorParams are the constructor's (or method's) parameters, without the resource.
	CtorParams []Param
	// ResourceDependent is true when the first constructor argument is a resource's content.
	ResourceDependent bool
	// RunReturnType is the Java return type of run() (or the method), "void" for none.
	RunReturnType string
	// Registered is true when the task's own procedure is registered.
	Registered bool
}

// Kwargs returns the task's kwargs.
func (t TaskInfo) Kwargs() wamp.Dict {
	params := make(wamp.List, len(t.CtorParams))
	for i, p := range t.CtorParams {
		d := wamp.Dict{"type": p.Type}
		if p.Name != "" {
			d["name"] = p.Name
		}
		params[i] = d
	}
	d := wamp.Dict{
		"task": t.Task, "class": t.Class, "kind": t.Kind, "source_sha256": t.SourceSHA256,
		"ctor_params": params, "resource_dependent": t.ResourceDependent, "run_return_type": t.RunReturnType,
		"registered": t.Registered,
	}
	if t.Method != "" {
		d["method"] = t.Method
	}
	return d
}

// ParseTaskInfo reads a task's kwargs; absent fields are zero.
func ParseTaskInfo(d wamp.Dict) TaskInfo {
	t := TaskInfo{
		Task: str(d, "task"), Class: str(d, "class"), Kind: str(d, "kind"), Method: str(d, "method"),
		SourceSHA256: str(d, "source_sha256"), ResourceDependent: boolean(d, "resource_dependent"),
		RunReturnType: str(d, "run_return_type"), Registered: boolean(d, "registered"),
	}
	l, _ := wamp.AsList(d["ctor_params"])
	t.CtorParams = make([]Param, 0, len(l))
	for _, p := range l {
		pd, _ := wamp.AsDict(p)
		t.CtorParams = append(t.CtorParams, Param{Name: str(pd, "name"), Type: str(pd, "type")})
	}
	return t
}

// Deployment is ProcTaskDeploy's result: the task's kwargs and {compiled}.
type Deployment struct {
	TaskInfo
	// Compiled is true when this deploy compiled the source, false on a cache hit.
	Compiled bool
}

// Kwargs returns the deployment's kwargs.
func (d Deployment) Kwargs() wamp.Dict {
	kw := d.TaskInfo.Kwargs()
	kw["compiled"] = d.Compiled
	return kw
}

// ParseDeployment reads a deployment; a missing task is ErrInvalid.
func ParseDeployment(kw wamp.Dict) (Deployment, error) {
	d := Deployment{TaskInfo: ParseTaskInfo(kw), Compiled: boolean(kw, "compiled")}
	if d.Task == "" {
		return Deployment{}, invalid("no task in %v", kw)
	}
	return d, nil
}

// TaskList is ProcTaskList's result: kwargs {tasks: [...]}.
type TaskList struct {
	Tasks []TaskInfo
}

// Kwargs returns the list's kwargs.
func (l TaskList) Kwargs() wamp.Dict {
	return wamp.Dict{"tasks": kwargsList(l.Tasks)}
}

// ParseTaskList reads a task list; tasks of another type than a list is ErrInvalid.
func ParseTaskList(kw wamp.Dict) (TaskList, error) {
	l, ok := wamp.AsList(kw["tasks"])
	if !ok && kw["tasks"] != nil {
		return TaskList{}, invalid("tasks %T, want a list", kw["tasks"])
	}
	out := TaskList{Tasks: make([]TaskInfo, 0, len(l))}
	for _, t := range l {
		d, _ := wamp.AsDict(t)
		out.Tasks = append(out.Tasks, ParseTaskInfo(d))
	}
	return out, nil
}

// RunRequest is ProcTaskRun's request: kwargs {task, params, resource?, resource_sha256?,
// timeout_ms?, lines?}.
type RunRequest struct {
	// Task names the deployed task.
	Task string
	// Params are the constructor's (or method's) arguments, in order, without the resource.
	Params []any
	// Resource names the resource whose content is the first constructor argument.
	Resource string
	// ResourceSHA256 identifies the resource by content; preferred over Resource.
	ResourceSHA256 string
	// Timeout bounds the execution (sent in whole ms, at least 1); 0 means the server's.
	Timeout time.Duration
	// Lines, when set, gives the task only those lines of its resource (kwarg lines
	// [FROM, TO], zero-based, TO excluded), so that the chunks of a split share one upload.
	Lines *LineRange
}

// Kwargs returns the request's kwargs; an empty resource is sent as null.
func (r RunRequest) Kwargs() wamp.Dict {
	params := r.Params
	if params == nil {
		params = []any{}
	}
	kw := wamp.Dict{"task": r.Task, "params": wamp.List(params),
		"resource": nullable(r.Resource), "resource_sha256": nullable(r.ResourceSHA256)}
	if r.Timeout > 0 {
		kw["timeout_ms"] = max(r.Timeout.Milliseconds(), 1)
	}
	if r.Lines != nil {
		kw["lines"] = wamp.List{r.Lines.From, r.Lines.To}
	}
	return kw
}

// ParseRunRequest reads a run request. A missing task, a field of the wrong type or range
// (timeout_ms an integer from 1 to MaxTimeoutMS, resource_sha256 a SHA-256, lines two
// integers FROM < TO from 0 with a resource) and an unknown kwarg are ErrInvalid. Whether lines
// lie within the resource only the server knows.
func ParseRunRequest(kw wamp.Dict) (RunRequest, error) {
	r, err := readKwargs(ProcTaskRun, kw, "task", "params", "resource", "resource_sha256", "timeout_ms", "lines")
	if err != nil {
		return RunRequest{}, err
	}
	var out RunRequest
	if out.Task, err = r.name("task", true); err != nil {
		return RunRequest{}, err
	}
	if out.Params, err = r.list("params"); err != nil {
		return RunRequest{}, err
	}
	if out.Resource, err = r.str("resource", false); err != nil {
		return RunRequest{}, err
	}
	if out.ResourceSHA256, err = r.sha256("resource_sha256"); err != nil {
		return RunRequest{}, err
	}
	ms, ok, err := r.integer("timeout_ms", 1, MaxTimeoutMS)
	if err != nil {
		return RunRequest{}, err
	}
	if ok {
		out.Timeout = time.Duration(ms) * time.Millisecond
	}
	if out.Lines, err = r.lineRange("lines"); err != nil {
		return RunRequest{}, err
	}
	if out.Lines != nil && out.Resource == "" && out.ResourceSHA256 == "" {
		return RunRequest{}, invalid("%s: kwarg lines needs a resource (kwarg resource or resource_sha256)", ProcTaskRun)
	}
	return out, nil
}

// RunResult is ProcTaskRun's result: kwargs {output, value, stdout, void, exec_time_s,
// queue_time_s, instance, site, execution_id}.
type RunResult struct {
	// Output is MAMoC's output text: what the task printed, then run()'s value; "nothing"
	// when both are empty.
	Output string
	// Value is run()'s return value decoded from JSON, nil when void.
	Value any
	// Stdout is what the task printed.
	Stdout string
	// Void is true when run() returns void.
	Void bool
	// ExecTime is measured inside the guest; QueueTime is the wait for an instance.
	ExecTime, QueueTime time.Duration
	// Instance, Site and ExecutionID say where and as what the task ran.
	Instance, Site, ExecutionID string
}

// Kwargs returns the result's kwargs.
func (r RunResult) Kwargs() wamp.Dict {
	return wamp.Dict{
		"output": r.Output, "value": r.Value, "stdout": r.Stdout, "void": r.Void,
		"exec_time_s": r.ExecTime.Seconds(), "queue_time_s": r.QueueTime.Seconds(),
		"instance": r.Instance, "site": r.Site, "execution_id": r.ExecutionID,
	}
}

// ParseRunResult reads a run result; a missing output is ErrInvalid.
func ParseRunResult(kw wamp.Dict) (RunResult, error) {
	out, ok := wamp.AsString(kw["output"])
	if !ok {
		return RunResult{}, invalid("no output in %v", kw)
	}
	return RunResult{
		Output: out, Value: kw["value"], Stdout: str(kw, "stdout"), Void: boolean(kw, "void"),
		ExecTime: seconds(float(kw, "exec_time_s")), QueueTime: seconds(float(kw, "queue_time_s")),
		Instance: str(kw, "instance"), Site: str(kw, "site"), ExecutionID: str(kw, "execution_id"),
	}, nil
}

// StaticResult is the result of a refactored app's static method (PrefixApp): args [value]
// (none for void) and kwargs {output, exec_time_s, execution_id}.
type StaticResult struct {
	Value       any // the return value (byte[] as base64)
	Void        bool
	Output      string
	ExecTime    time.Duration
	ExecutionID string
}

// Args returns the result's args: [value], or none when void.
func (r StaticResult) Args() wamp.List {
	if r.Void {
		return nil
	}
	return wamp.List{r.Value}
}

// Kwargs returns the result's kwargs.
func (r StaticResult) Kwargs() wamp.Dict {
	return wamp.Dict{"output": r.Output, "exec_time_s": r.ExecTime.Seconds(), "execution_id": r.ExecutionID}
}

// ProgressKwargs are the kwargs of a progressive result carrying a task's progress message.
func ProgressKwargs(msg string) wamp.Dict { return wamp.Dict{"progress": msg} }

// ParseProgress reads a progressive result's message: kwargs {progress}, else args[0].
func ParseProgress(args wamp.List, kw wamp.Dict) (string, bool) {
	if p, ok := wamp.AsString(kw["progress"]); ok {
		return p, true
	}
	if len(args) > 0 {
		s, ok := wamp.AsString(args[0])
		return s, ok
	}
	return "", false
}
