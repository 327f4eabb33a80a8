package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// TestRunLines: kwarg lines of mamoc.task.run gives a resource-dependent task only those lines
// of its resource, and a bad range is mamoc.error.bad_argument naming lines.
func TestRunLines(t *testing.T) {
	srv := tenancyServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := anonPhone(ctx, t, srv)
	put, err := cl.Call(ctx, api.ProcResourcePut, nil, api.ResourcePut{Content: []byte("a\nbb\n\nc")}.Args(), wamp.Dict{"name": "l.txt"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sha := api.ParseStoredResource(put.ArgumentsKw).SHA256
	for _, src := range []string{peekTask, echoTask} {
		if _, err := deploy(ctx, cl, src); err != nil {
			t.Fatal(err)
		}
	}
	peek := func(lines any) wamp.Dict {
		return wamp.Dict{"task": "uk.test.tenant.Peek", "resource_sha256": sha, "lines": lines}
	}
	tests := []struct {
		name string
		kw   wamp.Dict
		want string // the output, or a part of the bad_argument message after "!"
	}{
		{"first line", peek(wamp.List{0, 1}), "a\n"},
		{"middle", peek(wamp.List{1, 3}), "bb\n\n"},
		{"last without newline", peek(wamp.List{3, 4}), "c"},
		{"by name", wamp.Dict{"task": "uk.test.tenant.Peek", "resource": "l.txt", "lines": wamp.List{0, 2}}, "a\nbb\n"},
		{"past the end", peek(wamp.List{2, 5}), "!kwarg lines [2, 5) lies outside the resource's 4 lines"},
		{"empty", peek(wamp.List{1, 1}), "!kwarg lines must be [FROM, TO]"},
		{"not a list", peek("0:1"), "!kwarg lines must be [FROM, TO]"},
		{"no resource", wamp.Dict{"task": "uk.test.tenant.Peek", "lines": wamp.List{0, 1}}, "!kwarg lines needs a resource"},
		{"task takes no resource", wamp.Dict{"task": "uk.test.shell.Echo", "params": wamp.List{"a", 1}, "resource_sha256": sha, "lines": wamp.List{0, 1}}, "!takes no resource"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := cl.Call(ctx, api.ProcTaskRun, nil, nil, tc.kw, nil)
			if msg, ok := strings.CutPrefix(tc.want, "!"); ok {
				uri, got := rpcError(err)
				if uri != api.ErrBadArgument || !strings.Contains(got, msg) {
					t.Errorf("run %v = %s %q, want %s containing %q", tc.kw, uri, got, api.ErrBadArgument, msg)
				}
				return
			}
			if err != nil || res.ArgumentsKw["output"] != tc.want {
				t.Errorf("run %v = %v, %v; want output %q", tc.kw, res, err, tc.want)
			}
		})
	}
}
