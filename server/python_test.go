package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestPythonAutobahnPhone runs Debian's python3-autobahn as a MAMoC phone through the EDGE
// sequence for tasks with and without a resource.
func TestPythonAutobahnPhone(t *testing.T) {
	if _, err := exec.Command("/usr/bin/python3", "-c", "import autobahn, cbor2").CombinedOutput(); err != nil {
		t.Fatalf("Debian python3-autobahn (with cbor2) is missing: run bash .ci/deps/interop.sh (%v)", err)
	}
	tasks := []exampleTask{exampleTasks[0], exampleTasks[3]} // KMP with small.txt, Fibonacci(25)
	want := localOutputs(t, tasks)
	srv := offloadServer(t, nil)
	for _, et := range tasks {
		t.Run(filepath.Base(et.file), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			params, _ := json.Marshal(et.params)
			args := []string{filepath.Join("testdata", "mamoc_phone.py"), "--url", wsURL(srv), "--fqcn", et.fqcn,
				"--source", filepath.Join("..", "examples", et.file), "--params", string(params)}
			if et.resource != nil {
				args = append(args, "--resource", fmt.Sprint(et.resource))
			}
			cmd := exec.CommandContext(ctx, "/usr/bin/python3", args...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			var res struct {
				Errors      []string `json:"errors"`
				Serializer  string   `json:"serializer"`
				MatchBefore any      `json:"match_before"`
				MatchAfter  any      `json:"match_after"`
				Call        []any    `json:"call"`
				Events      []struct {
					Args         []any  `json:"args"`
					DurationType string `json:"duration_type"`
				} `json:"events"`
			}
			if jerr := json.Unmarshal(out, &res); jerr != nil {
				t.Fatalf("python phone printed %q (%v, exit %v)", out, jerr, err)
			}
			if len(res.Errors) > 0 {
				t.Fatalf("python phone errors: %v", res.Errors)
			}
			if res.Serializer != "cbor" {
				t.Errorf("python phone serializer = %q, want cbor", res.Serializer)
			}
			if res.MatchBefore != nil || res.MatchAfter == nil {
				t.Errorf("python phone match before/after = %v/%v, want null/id", res.MatchBefore, res.MatchAfter)
			}
			if len(res.Events) != 2 {
				t.Fatalf("python phone events = %v, want 2", res.Events)
			}
			for i, ev := range res.Events {
				if ev.Args[0] != want[et.fqcn] || ev.DurationType != "float" {
					t.Errorf("python phone event %d = %v (duration %s), want [%q, float]", i, ev.Args, ev.DurationType, want[et.fqcn])
				}
			}
			if len(res.Call) != 3 || res.Call[0] != want[et.fqcn] || res.Call[2] != nil {
				t.Errorf("python phone call result = %v, want [%q, duration, null]", res.Call, want[et.fqcn])
			}
		})
	}
}
