package api_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

var sha = strings.Repeat("ab", 32)

// TestRequestValidation: every kwarg of every mamoc.* request of the wrong type or range is
// refused with an error naming the field and what it allows.
func TestRequestValidation(t *testing.T) {
	run := func(kw wamp.Dict) error { _, err := api.ParseRunRequest(kw); return err }
	deploy := func(args wamp.List, kw wamp.Dict) error { _, err := api.ParseDeployRequest(args, kw); return err }
	put := func(args wamp.List, kw wamp.Dict) error { _, err := api.ParseResourcePut(args, kw); return err }
	missing := func(kw wamp.Dict) error { _, err := api.ParseResourceMissing(kw); return err }
	get := func(args wamp.List, kw wamp.Dict) error {
		_, err := api.ParseIDRequest(api.ProcExecutionGet, args, kw)
		return err
	}
	tests := []struct {
		name string
		err  error
		want string // in the message; "" means valid
	}{
		{"run ok", run(wamp.Dict{"task": "a.B", "params": wamp.List{1}, "resource": nil, "resource_sha256": nil, "timeout_ms": 5000}), ""},
		{"run timeout float integral", run(wamp.Dict{"task": "a.B", "timeout_ms": 1500.0}), ""},
		{"run timeout string", run(wamp.Dict{"task": "a.B", "timeout_ms": "x"}), `timeout_ms must be an integer from 1 to 86400000, got the string "x"`},
		{"run timeout negative", run(wamp.Dict{"task": "a.B", "timeout_ms": -5}), "timeout_ms must be an integer from 1 to 86400000, got the integer -5"},
		{"run lines ok", run(wamp.Dict{"task": "a.B", "resource": "r.txt", "lines": wamp.List{0, 3}}), ""},
		{"run lines float integral", run(wamp.Dict{"task": "a.B", "resource_sha256": strings.Repeat("a", 64), "lines": wamp.List{1.0, 2.0}}), ""},
		{"run lines without resource", run(wamp.Dict{"task": "a.B", "lines": wamp.List{0, 1}}), "kwarg lines needs a resource"},
		{"run lines empty", run(wamp.Dict{"task": "a.B", "resource": "r.txt", "lines": wamp.List{2, 2}}), "kwarg lines must be [FROM, TO], two integers with 0 <= FROM < TO"},
		{"run lines negative", run(wamp.Dict{"task": "a.B", "resource": "r.txt", "lines": wamp.List{-1, 2}}), "got [the integer -1, the integer 2]"},
		{"run lines one", run(wamp.Dict{"task": "a.B", "resource": "r.txt", "lines": wamp.List{1}}), "kwarg lines must be [FROM, TO]"},
		{"run lines string", run(wamp.Dict{"task": "a.B", "resource": "r.txt", "lines": "0-3"}), `kwarg lines must be [FROM, TO], two integers with 0 <= FROM < TO (zero-based, TO excluded), got the string "0-3"`},
		{"run lines fraction", run(wamp.Dict{"task": "a.B", "resource": "r.txt", "lines": wamp.List{0, 1.5}}), "got [the integer 0, the number 1.5]"},
		{"run timeout zero", run(wamp.Dict{"task": "a.B", "timeout_ms": 0}), "timeout_ms must be an integer from 1 to 86400000"},
		{"run timeout 1e18", run(wamp.Dict{"task": "a.B", "timeout_ms": 1e18}), "timeout_ms must be an integer from 1 to 86400000, got the number 1e+18"},
		{"run timeout 1e30", run(wamp.Dict{"task": "a.B", "timeout_ms": 1e30}), "got the number 1e+30"},
		{"run timeout fraction", run(wamp.Dict{"task": "a.B", "timeout_ms": 1.5}), "got the number 1.5"},
		{"run timeout huge uint", run(wamp.Dict{"task": "a.B", "timeout_ms": uint64(1 << 63)}), "timeout_ms must be an integer"},
		{"run resource 5", run(wamp.Dict{"task": "a.B", "resource": 5}), "kwarg resource must be a string, got the integer 5"},
		{"run resource_sha256 short", run(wamp.Dict{"task": "a.B", "resource_sha256": "abc"}), "resource_sha256 must be a SHA-256"},
		{"run resource_sha256 upper", run(wamp.Dict{"task": "a.B", "resource_sha256": strings.ToUpper(sha)}), "resource_sha256 must be a SHA-256"},
		{"run params map", run(wamp.Dict{"task": "a.B", "params": wamp.Dict{}}), "kwarg params must be a list, got a map"},
		{"run no task", run(wamp.Dict{}), "kwarg task is required"},
		{"run task 5", run(wamp.Dict{"task": 5}), "kwarg task must be a string, got the integer 5"},
		{"run task with space", run(wamp.Dict{"task": "a B"}), "no whitespace"},
		{"run unknown kwarg", run(wamp.Dict{"task": "a.B", "timeout": 5}), `unknown kwarg "timeout" (allowed: task, params, resource, resource_sha256, timeout_ms, lines)`},
		{"deploy ok kwargs", deploy(nil, wamp.Dict{"source": "class A {}", "rpcname": "a.A"}), ""},
		{"deploy ok args", deploy(wamp.List{"class A {}"}, nil), ""},
		{"deploy rpcname 5", deploy(nil, wamp.Dict{"source": "class A {}", "rpcname": 5}), "kwarg rpcname must be a string, got the integer 5"},
		{"deploy source 5", deploy(nil, wamp.Dict{"source": 5}), "kwarg source must be a string, got the integer 5"},
		{"deploy args source 5", deploy(wamp.List{5}, nil), "args[0] (source) must be a string, got the integer 5"},
		{"deploy no source", deploy(nil, wamp.Dict{"rpcname": "a"}), "needs kwargs {source"},
		{"deploy unknown kwarg", deploy(nil, wamp.Dict{"source": "x", "name": "a"}), `unknown kwarg "name"`},
		{"put ok", put(wamp.List{[]byte("x")}, wamp.Dict{"name": "a.txt"}), ""},
		{"put name 5", put(wamp.List{[]byte("x")}, wamp.Dict{"name": 5}), "kwarg name must be a string, got the integer 5"},
		{"put content 5", put(wamp.List{5}, nil), "args[0] (content) must be bytes or a string, got the integer 5"},
		{"put no content", put(nil, nil), "needs args [content]"},
		{"missing ok", missing(wamp.Dict{"sha256": wamp.List{sha}}), ""},
		{"missing not a list", missing(wamp.Dict{"sha256": sha}), "kwarg sha256 must be a list"},
		{"missing bad element", missing(wamp.Dict{"sha256": wamp.List{sha, 7}}), "sha256[1] must be a SHA-256"},
		{"get ok", get(nil, wamp.Dict{"id": "e1"}), ""},
		{"get ok args", get(wamp.List{"e1"}, nil), ""},
		{"get id 5", get(nil, wamp.Dict{"id": 5}), "kwarg id must be a string, got the integer 5"},
		{"get args id 5", get(wamp.List{5}, nil), "args[0] (id) must be a non-empty string, got the integer 5"},
		{"get no id", get(nil, nil), "needs kwargs {id}"},
		{"list with kwargs", api.ParseNoArgs(api.ProcTaskList, nil, wamp.Dict{"all": true}), `takes no kwargs, got "all"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			switch {
			case tc.want == "" && tc.err != nil:
				t.Errorf("err = %v, want none", tc.err)
			case tc.want != "" && (tc.err == nil || !errors.Is(tc.err, api.ErrInvalid) || !strings.Contains(tc.err.Error(), tc.want)):
				t.Errorf("err = %v, want ErrInvalid containing %q", tc.err, tc.want)
			}
		})
	}
}

// FuzzParseRunRequest decodes arbitrary kwargs (JSON, as a WAMP JSON client sends them) into
// a run request: it never panics, and what it accepts is within the documented bounds.
func FuzzParseRunRequest(f *testing.F) {
	for _, s := range []string{
		`{"task":"a.B","params":[1,"x",[2.5]],"timeout_ms":5000}`, `{"task":"a.B","timeout_ms":"x"}`,
		`{"task":"a.B","timeout_ms":1e18}`, `{"task":5}`, `{"task":"a.B","resource_sha256":"` + sha + `"}`,
		`{"task":"a.B","resource":null,"params":null}`, `{}`, `[]`, `{"task":"a B"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var kw wamp.Dict
		if err := jsonDecode(b, &kw); err != nil {
			return
		}
		r, err := api.ParseRunRequest(kw)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("ParseRunRequest(%s) = %v, not ErrInvalid", b, err)
			}
			return
		}
		if r.Task == "" || len(r.Task) > api.MaxNameBytes || strings.ContainsAny(r.Task, " \t\n") {
			t.Fatalf("accepted task %q", r.Task)
		}
		if r.Timeout < 0 || r.Timeout.Milliseconds() > api.MaxTimeoutMS {
			t.Fatalf("accepted timeout %v", r.Timeout)
		}
		if r.ResourceSHA256 != "" && !api.IsSHA256(r.ResourceSHA256) {
			t.Fatalf("accepted resource_sha256 %q", r.ResourceSHA256)
		}
	})
}

// jsonDecode decodes b as nexus's JSON serializer decodes a WAMP message's kwargs.
func jsonDecode(b []byte, v *wamp.Dict) error {
	var m map[string]any
	if err := (&serialize.JSONSerializer{}).DeserializeDataItem(b, &m); err != nil {
		return err
	}
	*v = m
	return nil
}
