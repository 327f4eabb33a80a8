package server_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// isInt reports whether v arrived as an integer (CBOR decodes non-negative ones as uint64).
func isInt(v any) bool {
	switch v.(type) {
	case int, int64, uint64:
		return true
	}
	return false
}

// TestInstanceMethodCall uploads refactor's kernels.apk (assembled from smali) and calls its
// instance methods over CBOR: kwargs {ctor, args}, positional args with the no-argument
// constructor, an object result as its public fields, ints as integers; bad kwargs are
// refused and host-effect methods are not registered.
func TestInstanceMethodCall(t *testing.T) {
	srv := offloadServer(t, nil)
	base := "http://" + srv.Addr().String()
	apk, err := os.ReadFile("../refactor/testdata/kernels.apk")
	if err != nil {
		t.Fatal(err)
	}
	if job := waitJob(t, base, uploadApp(t, base, apk)); job["state"] != "done" {
		t.Fatalf("job = %v, want done", job)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	phone := dial(ctx, t, wsURL(srv), serialize.CBOR, "", "")
	const (
		kernel = "mamoc.app.com.example.kernels.Kernel.kernel"
		sumTo  = "mamoc.app.com.example.kernels.Counter.sumTo"
	)
	res, err := phone.Call(ctx, kernel, nil, nil, api.AppCall{Ctor: []any{4}}.Kwargs(), nil)
	if err != nil {
		t.Fatalf("call %s: %v", kernel, err)
	}
	obj, ok := wamp.AsDict(res.Arguments[0])
	if !ok || !isInt(obj["n"]) || obj["n"] != uint64(4) || obj["sum"] != 60.0 {
		t.Errorf("new Kernel(4).kernel() = %#v, want {n: 4 (an integer), sum: 60.0}", res.Arguments[0])
	}
	tests := []struct {
		name string
		args wamp.List
		kw   wamp.Dict
	}{
		{"positional", wamp.List{10}, nil},
		{"kwargs", nil, wamp.Dict{"args": wamp.List{10}}},
		{"kwargs with empty ctor", nil, wamp.Dict{"ctor": wamp.List{}, "args": wamp.List{10}}},
	}
	for _, tt := range tests {
		res, err := phone.Call(ctx, sumTo, nil, tt.args, tt.kw, nil)
		if err != nil {
			t.Errorf("%s: call %s: %v", tt.name, sumTo, err)
			continue
		}
		if v := res.Arguments[0]; !isInt(v) || v != uint64(45) {
			t.Errorf("%s: new Counter().sumTo(10) = %#v (%T), want the integer 45", tt.name, v, v)
		}
	}
	bad := []struct {
		name, proc string
		args       wamp.List
		kw         wamp.Dict
		uri        string
	}{
		{"unknown kwarg", sumTo, nil, wamp.Dict{"bogus": 1}, api.ErrBadArgument},
		{"args twice", sumTo, wamp.List{1}, wamp.Dict{"args": wamp.List{1}}, api.ErrBadArgument},
		{"no such constructor", sumTo, nil, wamp.Dict{"ctor": wamp.List{1, 2}, "args": wamp.List{1}}, api.ErrBadArgument},
		{"host effect not registered", "mamoc.app.com.example.kernels.Shell.run", wamp.List{"ls"}, nil, string(wamp.ErrNoSuchProcedure)},
		{"library not registered", "mamoc.app.org.apache.commons.fake.Clamp.clamp", wamp.List{1, 2, 3}, nil, string(wamp.ErrNoSuchProcedure)},
	}
	for _, tt := range bad {
		if _, err := phone.Call(ctx, tt.proc, nil, tt.args, tt.kw, nil); rpcErrorURI(err) != tt.uri {
			t.Errorf("%s: error = %v, want %s", tt.name, err, tt.uri)
		}
	}
}
