package mobile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
)

// dialTimeout bounds NewClient; callGrace is added to a Run's timeout for the local deadline.
const (
	dialTimeout = 15 * time.Second
	callGrace   = 30 * time.Second
)

// Client is a session with a mamoc server. Its methods block, so call them off the UI thread;
// they are safe to call from several threads at once.
type Client struct {
	c *client.Client

	mu     sync.Mutex // guards shas, ctx and cancel
	shas   map[string]string
	ctx    context.Context // parent of every call until CancelAll
	cancel context.CancelFunc
}

// NewClient connects to the router at url (e.g. ws://192.168.1.10:8080/ws) and joins realm
// mamoc_realm with CBOR. Empty authid and ticket connect anonymously.
func NewClient(url, authid, ticket string) (*Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{AuthID: authid, Ticket: ticket})
	if err != nil {
		return nil, err
	}
	m := &Client{c: c, shas: map[string]string{}}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// Close cancels every call and closes the connection.
func (m *Client) Close() error {
	m.mu.Lock()
	m.cancel()
	m.mu.Unlock()
	return m.c.Close()
}

// CancelAll cancels every call in progress; the server kills their tasks. Later calls work.
func (m *Client) CancelAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cancel()
	m.ctx, m.cancel = context.WithCancel(context.Background())
}

// callCtx returns the context of one call, limited to timeout when it is positive.
func (m *Client) callCtx(timeout time.Duration) (context.Context, context.CancelFunc) {
	m.mu.Lock()
	parent := m.ctx
	m.mu.Unlock()
	if timeout > 0 {
		return context.WithTimeout(parent, timeout)
	}
	return context.WithCancel(parent)
}

// Deployment is the server's answer to Deploy.
type Deployment struct {
	Task              string // the task's FQCN, the name Run takes
	SourceSHA256      string
	Compiled          bool // false on a cache hit
	ResourceDependent bool
	RunReturnType     string
	// CtorParamsJSON is the constructor's parameters as a JSON array of {"name","type"}.
	CtorParamsJSON string
}

// Deploy sends a task class's Java source to the server, which compiles it once.
func (m *Client) Deploy(source string) (*Deployment, error) {
	ctx, cancel := m.callCtx(callGrace + time.Minute)
	defer cancel()
	d, err := m.c.Deploy(ctx, source, "")
	if err != nil {
		return nil, err
	}
	params, err := json.Marshal(d.CtorParams)
	if err != nil {
		return nil, fmt.Errorf("encode ctor params: %w", err)
	}
	return &Deployment{Task: d.Task, SourceSHA256: d.SourceSHA256, Compiled: d.Compiled,
		ResourceDependent: d.ResourceDependent, RunReturnType: d.RunReturnType, CtorParamsJSON: string(params)}, nil
}

// PutResource uploads content under name, unless the server already has it, and returns its
// SHA-256. Run finds the resource by name afterwards.
func (m *Client) PutResource(name string, content []byte) (string, error) {
	ctx, cancel := m.callCtx(callGrace + time.Minute)
	defer cancel()
	sha := client.SHA256(content)
	if _, err := m.c.SyncResources(ctx, map[string][]byte{name: content}); err != nil {
		return "", err
	}
	m.mu.Lock()
	m.shas[name] = sha
	m.mu.Unlock()
	return sha, nil
}

// Result is a task's result.
type Result struct {
	Output      string
	ExecTimeS   float64 // execution time on the server in seconds
	QueueTimeS  float64 // time waiting for an instance in seconds
	RoundTripS  float64 // the call's duration measured here in seconds
	Instance    string
	Site        string
	ExecutionID string
}

// ProgressHandler receives a running task's progress messages.
type ProgressHandler interface {
	OnProgress(message string)
}

// Run runs a deployed task. paramsJSON is a JSON array of the constructor's arguments, e.g.
// `[13]` or `["the"]` ("" means none). resource names a resource uploaded with PutResource ("" for
// none). timeoutMs bounds the execution on the server (0: the server's default).
func (m *Client) Run(task, paramsJSON, resource string, timeoutMs int) (*Result, error) {
	return m.RunWithProgress(task, paramsJSON, resource, timeoutMs, nil)
}

// RunWithProgress is Run that also passes the task's progress messages to p (nil: none).
func (m *Client) RunWithProgress(task, paramsJSON, resource string, timeoutMs int, p ProgressHandler) (*Result, error) {
	params, err := parseParams(paramsJSON)
	if err != nil {
		return nil, err
	}
	ro := client.RunOptions{Resource: resource, Timeout: time.Duration(timeoutMs) * time.Millisecond}
	if resource != "" {
		m.mu.Lock()
		ro.ResourceSHA256 = m.shas[resource]
		m.mu.Unlock()
	}
	if p != nil {
		ro.Progress = p.OnProgress
	}
	var local time.Duration
	if timeoutMs > 0 {
		local = ro.Timeout + callGrace
	}
	ctx, cancel := m.callCtx(local)
	defer cancel()
	r, err := m.c.Run(ctx, task, params, ro)
	if err != nil {
		return nil, err
	}
	return &Result{Output: r.Output, ExecTimeS: r.ExecTime.Seconds(), QueueTimeS: r.QueueTime.Seconds(),
		RoundTripS: r.RoundTrip.Seconds(), Instance: r.Instance, Site: r.Site, ExecutionID: r.ExecutionID}, nil
}

// parseParams decodes a JSON array of task parameters: integral numbers become int64, others
// float64; strings, booleans and null stay as they are. "" means no parameters.
func parseParams(paramsJSON string) ([]any, error) {
	if paramsJSON == "" {
		return []any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(paramsJSON)))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("params %q, want a JSON array: %w", paramsJSON, client.ErrBadArgument)
	}
	if dec.More() {
		return nil, fmt.Errorf("params %q: trailing data: %w", paramsJSON, client.ErrBadArgument)
	}
	for i, v := range raw {
		if n, ok := v.(json.Number); ok {
			if x, err := n.Int64(); err == nil {
				raw[i] = x
			} else if f, err := n.Float64(); err == nil {
				raw[i] = f
			} else {
				return nil, fmt.Errorf("param %d %q: %w", i, n, client.ErrBadArgument)
			}
		}
	}
	if raw == nil {
		raw = []any{}
	}
	return raw, nil
}

// TasksJSON lists the server's tasks as a JSON array of
// {"task","kind","ctor_params","resource_dependent","registered"}.
func (m *Client) TasksJSON() (string, error) {
	ctx, cancel := m.callCtx(callGrace)
	defer cancel()
	tasks, err := m.c.Tasks(ctx)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(tasks)
	if err != nil {
		return "", fmt.Errorf("encode tasks: %w", err)
	}
	return string(b), nil
}

// ErrorURI returns the WAMP error URI behind err (e.g. "mamoc.error.compile"), or "".
func ErrorURI(err error) string { return client.ErrorURI(err) }
