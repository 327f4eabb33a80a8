package api_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// wire sends v through JSON as a WAMP serializer would, so numbers come back as float64.
func wire[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	task := api.TaskInfo{Task: "p.T", Class: "p.T", Kind: "source", SourceSHA256: "ab",
		CtorParams: []api.Param{{Name: "n", Type: "int"}}, ResourceDependent: true, RunReturnType: "long", Registered: true}
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		name      string
		want, got func(t *testing.T) any
	}{
		{"deploy request", func(*testing.T) any { return api.DeployRequest{Source: "class A {}", RPCName: "a"} },
			func(t *testing.T) any {
				r, err := api.ParseDeployRequest(nil, wire(t, api.DeployRequest{Source: "class A {}", RPCName: "a"}.Kwargs()))
				if err != nil {
					t.Fatal(err)
				}
				return r
			}},
		{"deployment", func(*testing.T) any { return api.Deployment{TaskInfo: task, Compiled: true} },
			func(t *testing.T) any {
				d, err := api.ParseDeployment(wire(t, api.Deployment{TaskInfo: task, Compiled: true}.Kwargs()))
				if err != nil {
					t.Fatal(err)
				}
				return d
			}},
		{"task list", func(*testing.T) any { return api.TaskList{Tasks: []api.TaskInfo{task, task}} },
			func(t *testing.T) any {
				l, err := api.ParseTaskList(wire(t, api.TaskList{Tasks: []api.TaskInfo{task, task}}.Kwargs()))
				if err != nil {
					t.Fatal(err)
				}
				return l
			}},
		{"run request", func(*testing.T) any {
			return api.RunRequest{Task: "t", Params: []any{1.0, "x"}, Resource: "r", Timeout: 2 * time.Second}
		}, func(t *testing.T) any {
			r, err := api.ParseRunRequest(wire(t, api.RunRequest{Task: "t", Params: []any{1.0, "x"}, Resource: "r", Timeout: 2 * time.Second}.Kwargs()))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}},
		{"run result", func(*testing.T) any {
			return api.RunResult{Output: "o", Value: 3.0, Stdout: "s", ExecTime: time.Second, QueueTime: time.Millisecond, Instance: "i", Site: "e", ExecutionID: "x"}
		}, func(t *testing.T) any {
			r, err := api.ParseRunResult(wire(t, api.RunResult{Output: "o", Value: 3.0, Stdout: "s", ExecTime: time.Second, QueueTime: time.Millisecond, Instance: "i", Site: "e", ExecutionID: "x"}.Kwargs()))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}},
		{"execution", func(*testing.T) any {
			return api.Execution{ID: "1", Task: "t", Site: "s", Status: "done", ExecTime: time.Second, OutputSize: 4, QueuedAt: now, EndedAt: now}
		}, func(t *testing.T) any {
			return api.ParseExecution(wire(t, api.Execution{ID: "1", Task: "t", Site: "s", Status: "done", ExecTime: time.Second, OutputSize: 4, QueuedAt: now, EndedAt: now}.Kwargs()))
		}},
		{"stats", func(*testing.T) any {
			return api.Stats{CPUMHzTotal: 8000, MemTotalMB: 16000, BatteryPercent: -1, Cores: 4, QueueLength: 2, ServerID: "a", Uptime: time.Second}
		}, func(t *testing.T) any {
			s := api.Stats{CPUMHzTotal: 8000, MemTotalMB: 16000, BatteryPercent: -1, Cores: 4, QueueLength: 2, ServerID: "a", Uptime: time.Second}
			return api.ParseStats(wire(t, s.Args()), wire(t, s.Kwargs()))
		}},
		{"offloading", func(*testing.T) any {
			return api.Offloading{Platform: "Android", RPCName: "r", Code: "c", Resource: "small.txt", Params: []any{1.0}}
		}, func(t *testing.T) any {
			o, err := api.ParseOffloading(wire(t, api.Offloading{Platform: "Android", RPCName: "r", Code: "c", Resource: "small.txt", Params: []any{1.0}}.Args()))
			if err != nil {
				t.Fatal(err)
			}
			return o
		}},
		{"task call", func(*testing.T) any { return api.TaskCall{Resource: "r", Params: []any{"a"}} },
			func(t *testing.T) any {
				return api.ParseTaskCall(wire(t, api.TaskCall{Resource: "r", Params: []any{"a"}}.Args()))
			}},
		{"task call result", func(*testing.T) any { return api.TaskCallResult{Output: "o", Duration: time.Second} },
			func(t *testing.T) any {
				r, err := api.ParseTaskCallResult(wire(t, api.TaskCallResult{Output: "o", Duration: time.Second}.Args()))
				if err != nil {
					t.Fatal(err)
				}
				return r
			}},
		{"job progress", func(*testing.T) any {
			return api.JobProgress{Job: "j", State: api.JobRunning, Stage: "dex", Progress: 0.5}
		},
			func(t *testing.T) any {
				p := api.JobProgress{Job: "j", State: api.JobRunning, Stage: "dex", Progress: 0.5}
				return api.ParseJobProgress(wire(t, p.Args()), wire(t, p.Kwargs()))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.got(t), tt.want(t); !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(Kwargs(x)) = %+v, want %+v", got, want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"deploy without source", func() error { _, err := api.ParseDeployRequest(nil, wamp.Dict{}); return err }()},
		{"run without task", func() error { _, err := api.ParseRunRequest(wamp.Dict{"params": wamp.List{}}); return err }()},
		{"run params not a list", func() error { _, err := api.ParseRunRequest(wamp.Dict{"task": "t", "params": 3}); return err }()},
		{"put without content", func() error { _, err := api.ParseResourcePut(nil, nil); return err }()},
		{"put content a number", func() error { _, err := api.ParseResourcePut(wamp.List{3}, nil); return err }()},
		{"missing not strings", func() error { _, err := api.ParseResourceMissing(wamp.Dict{"sha256": wamp.List{1}}); return err }()},
		{"offloading too short", func() error { _, err := api.ParseOffloading(wamp.List{"Android", "r"}); return err }()},
		{"receive_file content a map", func() error { _, err := api.ParseReceiveFile(wamp.List{"a", "n", wamp.Dict{}}); return err }()},
		{"task call result empty", func() error { _, err := api.ParseTaskCallResult(nil); return err }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, api.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", tt.err)
			}
		})
	}
}

func TestTruncateOutput(t *testing.T) {
	long := string(make([]byte, api.PhoneEventLimit+1))
	tests := []struct {
		in      string
		wantLen int
	}{
		{"short", 5},
		{long, api.PhoneEventLimit + len("\n… (output truncated by mamoc)")},
	}
	for _, tt := range tests {
		if got := len(api.TruncateOutput(tt.in)); got != tt.wantLen {
			t.Errorf("len(TruncateOutput(%d bytes)) = %d, want %d", len(tt.in), got, tt.wantLen)
		}
	}
}
