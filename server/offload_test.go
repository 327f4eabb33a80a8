package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// exampleTask is one of examples/ as a MAMoC phone offloads it.
type exampleTask struct {
	file     string // under examples/
	fqcn     string
	resource any   // resource name or nil
	params   []any // positional params
	local    []string
}

var smallTxt = filepath.Join("..", "examples", "testdata", "small.txt")

var exampleTasks = []exampleTask{
	{"kmp/KMP.java", "uk.ac.standrews.cs.mamoc_demo.SearchText.KMP", "small.txt", []any{"the"}, []string{"file:" + smallTxt, "String:the"}},
	{"quicksort/QuickSort.java", "uk.ac.standrews.cs.mamoc_demo.Sorting.QuickSort", "small.txt", []any{}, []string{"file:" + smallTxt}},
	{"nqueens/Queens.java", "uk.ac.standrews.cs.mamoc_demo.NQueens.Queens", nil, []any{10}, []string{"int:10"}},
	{"fibonacci/Fibonacci.java", "uk.ac.standrews.cs.mamoc_demo.Fibonacci.Fibonacci", nil, []any{25}, []string{"int:25"}},
	{"linpack/Linpack.java", "uk.ac.standrews.cs.mamoc_demo.Linpack.Linpack", nil, []any{100}, []string{"int:100"}},
}

func readExample(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// localOutputs runs every example task on a plain JVM, as MAMoC's server does, and returns
// the outputs by FQCN.
func localOutputs(t *testing.T, tasks []exampleTask) map[string]string {
	t.Helper()
	dir := t.TempDir()
	files := []string{filepath.Join("testdata", "LocalRun.java")}
	for _, et := range tasks {
		tt, err := transform.Transform(readExample(t, et.file), transform.Options{RPCName: et.fqcn})
		if err != nil {
			t.Fatalf("transform %s: %v", et.file, err)
		}
		p := filepath.Join(dir, "src", strings.ReplaceAll(tt.FQCN, ".", "/")+".java")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(tt.Source), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out, err := exec.Command("javac", append([]string{"-nowarn", "-d", filepath.Join(dir, "classes")}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	res := map[string]string{}
	for _, et := range tasks {
		cmd := exec.Command("java", append([]string{"-cp", filepath.Join(dir, "classes"), "LocalRun", et.fqcn}, et.local...)...)
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("local java %s: %v", et.fqcn, err)
		}
		res[et.fqcn] = string(b)
	}
	return res
}

// offloadServer starts a server with small.txt as a server resource and a small pool.
func offloadServer(t *testing.T, mod func(*server.Config)) *server.Server {
	t.Helper()
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "resources"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(smallTxt)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "resources", "small.txt"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{DataDir: data, StatsInterval: time.Hour, ServerID: "edge-test",
		Runtime: unikernel.Config{MaxInstances: 6, MaxConcurrent: 3, MaxPerApp: 2, MinWarm: -1, Spare: 1}}
	if mod != nil {
		mod(&cfg)
	}
	return startServer(t, cfg)
}

func TestMAMoCEdgeReplay(t *testing.T) {
	want := localOutputs(t, exampleTasks)
	srv := offloadServer(t, nil)
	for _, et := range exampleTasks {
		t.Run(filepath.Base(et.file), func(t *testing.T) {
			phone := dialPhone(t, wsURL(srv))
			// EDGE: subscribe, match, publish when unknown, wait for the result event.
			phone.subscribe(api.TopicOffloadingResult)
			res, errm := phone.call(10*time.Second, "wamp.registration.match", et.fqcn)
			if errm != nil || len(res.Arguments) != 1 || res.Arguments[0] != nil {
				t.Fatalf("match %s before offloading = %v %v, want [null]", et.fqcn, res, errm)
			}
			phone.publish(api.TopicOffloading, "Android", et.fqcn, readExample(t, et.file), et.resource, et.params)
			out, dur := phone.result(2 * time.Minute)
			if out != want[et.fqcn] {
				t.Errorf("offloaded %s output = %q, want the local JVM's %q", et.fqcn, out, want[et.fqcn])
			}
			if dur <= 0 {
				t.Errorf("offloaded %s duration = %v, want > 0 seconds", et.fqcn, dur)
			}
			// Registered now: match answers an id and the direct call works.
			res, errm = phone.call(10*time.Second, "wamp.registration.match", et.fqcn)
			if errm != nil || len(res.Arguments) != 1 || res.Arguments[0] == nil {
				t.Fatalf("match %s after offloading = %v %v, want [id]", et.fqcn, res, errm)
			}
			res, errm = phone.call(time.Minute, et.fqcn, et.resource, et.params)
			if errm != nil {
				t.Fatalf("call %s: %v %v", et.fqcn, errm.Error, errm.Arguments)
			}
			if len(res.Arguments) != 1 {
				t.Fatalf("call %s RESULT args = %v, want [[output, duration, null]]", et.fqcn, res.Arguments)
			}
			tuple, ok := res.Arguments[0].([]any)
			if !ok || len(tuple) != 3 || tuple[2] != nil {
				t.Fatalf("call %s RESULT = %v, want [[output, duration, null]]", et.fqcn, res.Arguments)
			}
			if tuple[0] != want[et.fqcn] {
				t.Errorf("call %s output = %q, want %q", et.fqcn, tuple[0], want[et.fqcn])
			}
			if _, ok := tuple[1].(float64); !ok {
				t.Errorf("call %s duration is %T, want float", et.fqcn, tuple[1])
			}
			if out, _ := phone.result(10 * time.Second); out != want[et.fqcn] {
				t.Errorf("result event after call %s = %q, want %q", et.fqcn, out, want[et.fqcn])
			}
		})
	}
}

func TestMAMoCCloudReplay(t *testing.T) {
	tasks := exampleTasks
	want := localOutputs(t, tasks)
	srv := offloadServer(t, nil)
	for _, et := range tasks {
		t.Run(filepath.Base(et.file), func(t *testing.T) {
			phone := dialPhone(t, wsURL(srv))
			res, errm := phone.call(10*time.Second, "wamp.registration.match", et.fqcn)
			if errm != nil || res.Arguments[0] != nil {
				t.Fatalf("match = %v %v", res, errm)
			}
			// CLOUD subscribes only for an unregistered task, and sends receive_file with
			// placeholder content whenever it has a resource name.
			phone.subscribe(api.TopicOffloadingResult)
			if et.resource != nil {
				phone.publish(api.TopicReceiveFile, "Android", et.resource, "this is file content")
			}
			phone.publish(api.TopicOffloading, "Android", et.fqcn, readExample(t, et.file), et.resource, et.params)
			if out, _ := phone.result(2 * time.Minute); out != want[et.fqcn] {
				t.Errorf("cloud offload %s = %q, want %q (the server's resource must win over the placeholder)", et.fqcn, out, want[et.fqcn])
			}
			var args []any
			if et.resource == nil {
				args = et.params // flattened
			} else {
				args = []any{et.resource, et.params}
			}
			res, errm = phone.call(time.Minute, et.fqcn, args...)
			if errm != nil {
				t.Fatalf("cloud call %s(%v): %v %v", et.fqcn, args, errm.Error, errm.Arguments)
			}
			if got := res.Arguments[0].([]any)[0]; got != want[et.fqcn] {
				t.Errorf("cloud call %s = %q, want %q", et.fqcn, got, want[et.fqcn])
			}
		})
	}
}

const echoTask = `package uk.test.shell;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

@Offloadable
public class Echo {
    private final String s;
    private final int n;

    public Echo(String s, int n) {
        this.s = s;
        this.n = n;
    }

    public String run() {
        return "[" + s + "|" + n + "]";
    }
}
`

func edgeClient(ctx context.Context, t *testing.T, srv *server.Server) *nxclient.Client {
	t.Helper()
	cl := dial(ctx, t, wsURL(srv), serialize.CBOR, "edge1", "edge-ticket")
	waitProc(ctx, t, cl, api.ProcTaskRun)
	return cl
}

func rpcErrorURI(err error) string {
	var re nxclient.RPCError
	if errors.As(err, &re) {
		return string(re.Err.Error)
	}
	return fmt.Sprint(err)
}

func TestShellMetacharactersArriveUnchanged(t *testing.T) {
	srv := offloadServer(t, nil)
	phone := dialPhone(t, wsURL(srv))
	phone.subscribe(api.TopicOffloadingResult)
	nasty := "a; rm -rf / && $(id) `whoami` | cat > /tmp/x \"q\" 'r' \\ * ? ~ <y> %s\n\ttab"
	phone.publish(api.TopicOffloading, "Android", "uk.test.shell.Echo", echoTask, nil, []any{nasty, 7})
	if out, _ := phone.result(2 * time.Minute); out != "["+nasty+"|7]" {
		t.Errorf("echo output = %q, want %q", out, "["+nasty+"|7]")
	}
	// Wrong types are refused with bad_argument, not run.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	edge := edgeClient(ctx, t, srv)
	_, err := edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": []any{"x", "not a number"}}, nil)
	if got := rpcErrorURI(err); got != api.ErrBadArgument {
		t.Errorf("run Echo(\"x\", \"not a number\") error = %s, want %s", got, api.ErrBadArgument)
	}
	_, err = edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": []any{"x"}}, nil)
	if got := rpcErrorURI(err); got != api.ErrBadArgument {
		t.Errorf("run Echo(\"x\") error = %s, want %s", got, api.ErrBadArgument)
	}
	_, err = edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "no.such.Task"}, nil)
	if got := rpcErrorURI(err); got != api.ErrNotFound {
		t.Errorf("run no.such.Task error = %s, want %s", got, api.ErrNotFound)
	}
}

func TestCompileErrorGetsDiagnostics(t *testing.T) {
	srv := offloadServer(t, nil)
	bad := strings.Replace(echoTask, `return "[" + s + "|" + n + "]";`, `return undefinedVariable + 1;`, 1)
	phone := dialPhone(t, wsURL(srv))
	phone.subscribe(api.TopicOffloadingResult)
	phone.publish(api.TopicOffloading, "Android", "uk.test.shell.Echo", bad, nil, []any{"x", 1})
	out, _ := phone.result(2 * time.Minute)
	if !strings.Contains(out, api.ErrCompile) || !strings.Contains(out, "line 16") || !strings.Contains(out, "undefinedVariable") {
		t.Errorf("compile failure result = %q, want %s with line 16 and the symbol", out, api.ErrCompile)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	edge := edgeClient(ctx, t, srv)
	_, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": bad}, nil)
	var re nxclient.RPCError
	if !errors.As(err, &re) || re.Err.Error != api.ErrCompile {
		t.Fatalf("deploy bad source error = %v, want %s", err, api.ErrCompile)
	}
	diags, _ := wamp.AsList(re.Err.ArgumentsKw["diagnostics"])
	found := false
	for _, d := range diags {
		m, _ := wamp.AsDict(d)
		if line, _ := wamp.AsInt64(m["line"]); line == 16 {
			found = true
		}
	}
	if !found {
		t.Errorf("deploy diagnostics = %v, want one on line 16", diags)
	}
	// A syntax error is reported the same way, before compiling.
	_, err = edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": "package a; public class B { void run( }"}, nil)
	if got := rpcErrorURI(err); got != api.ErrCompile {
		t.Errorf("deploy syntax error = %s, want %s", got, api.ErrCompile)
	}
	// The server keeps serving: the good source deploys (compiled), then is a cache hit.
	for i, wantCompiled := range []bool{true, false} {
		res, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": echoTask}, nil)
		if err != nil {
			t.Fatalf("deploy good source #%d: %v", i, err)
		}
		if c, _ := res.ArgumentsKw["compiled"].(bool); c != wantCompiled {
			t.Errorf("deploy good source #%d compiled = %v, want %v", i, c, wantCompiled)
		}
	}
	res, err := edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": []any{"ok", 2}}, nil)
	if err != nil || res.ArgumentsKw["output"] != "[ok|2]" {
		t.Fatalf("run after failures = %v %v, want output [ok|2]", res, err)
	}
	id, _ := wamp.AsString(res.ArgumentsKw["execution_id"])
	exe, err := edge.Call(ctx, api.ProcExecutionGet, nil, nil, wamp.Dict{"id": id}, nil)
	if err != nil {
		t.Fatalf("execution.get: %v", err)
	}
	if st := exe.ArgumentsKw["status"]; st != "done" {
		t.Errorf("recorded execution status = %v, want done", st)
	}
	if et, _ := wamp.AsFloat64(exe.ArgumentsKw["exec_time_s"]); et <= 0 {
		t.Errorf("recorded exec time = %v, want > 0", et)
	}
}

// TestTwentyPhonesAtOnce offloads twenty different tasks from twenty phones at the same
// time; each phone must get exactly its own result.
func TestTwentyPhonesAtOnce(t *testing.T) {
	srv := offloadServer(t, func(c *server.Config) {
		c.Runtime.MaxInstances = 6
		c.Runtime.MaxConcurrent = 4
		c.Runtime.QueueLen = 64
	})
	const n = 20
	phones := make([]*rawPhone, n)
	for i := range phones {
		phones[i] = dialPhone(t, wsURL(srv))
		phones[i].subscribe(api.TopicOffloadingResult)
	}
	var wg sync.WaitGroup
	for i := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := strings.NewReplacer("uk.test.shell", fmt.Sprintf("uk.test.p%d", i), "Echo", fmt.Sprintf("Task%d", i)).Replace(echoTask)
			phones[i].publish(api.TopicOffloading, "Android", fmt.Sprintf("uk.test.p%d.Task%d", i, i), src, nil, []any{fmt.Sprintf("phone-%d", i), i * i})
		}()
	}
	wg.Wait()
	for i, p := range phones {
		want := fmt.Sprintf("[phone-%d|%d]", i, i*i)
		if out, _ := p.result(3 * time.Minute); out != want {
			t.Errorf("phone %d got %q, want %q", i, out, want)
		}
	}
	for _, p := range phones {
		p.noEvent(50 * time.Millisecond) // nobody got someone else's result
	}
}

func TestReceiveFileStaysInStore(t *testing.T) {
	srv := offloadServer(t, nil)
	data := filepath.Dir(filepath.Join(srv.Config().DataDir, "x"))
	phone := dialPhone(t, wsURL(srv))
	for _, name := range []string{"../../x", "../x", "/tmp/mamoc-evil", "a/b", ".hidden", "..", "x\x00y"} {
		phone.publish(api.TopicReceiveFile, "Android", name, "evil content")
	}
	phone.publish(api.TopicReceiveFile, "Android", "good.txt", "good content")
	time.Sleep(300 * time.Millisecond)
	for _, p := range []string{filepath.Join(data, "..", "x"), filepath.Join(data, "..", "..", "x"), "/tmp/mamoc-evil", filepath.Join(data, "x")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("receive_file wrote %s outside the store", p)
		}
	}
	// The good file is usable by this phone's tasks, by name.
	src := strings.NewReplacer("public Echo(String s, int n)", "public Echo(String s, int n)").Replace(echoTask)
	src = strings.Replace(src, "@Offloadable", "@Offloadable(resourceDependent = true)", 1)
	phone.subscribe(api.TopicOffloadingResult)
	phone.publish(api.TopicOffloading, "Android", "uk.test.shell.Echo", src, "good.txt", []any{5})
	if out, _ := phone.result(2 * time.Minute); out != "[good content|5]" {
		t.Errorf("task with resource good.txt = %q, want [good content|5]", out)
	}
	// Another phone cannot read it by name.
	other := dialPhone(t, wsURL(srv))
	other.subscribe(api.TopicOffloadingResult)
	other.publish(api.TopicOffloading, "Android", "uk.test.shell.Echo", src, "good.txt", []any{5})
	if out, _ := other.result(time.Minute); !strings.Contains(out, api.ErrNotFound) {
		t.Errorf("other phone reading good.txt = %q, want %s", out, api.ErrNotFound)
	}
}
