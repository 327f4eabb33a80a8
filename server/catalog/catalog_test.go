package catalog_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/server/catalog"
	"github.com/mamoc-go/mamoc/transform"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	_ "github.com/mamoc-go/mamoc/unikernel-runtime/builtin"
)

const echoTask = `package uk.test.cat;

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

const resourceTask = `package uk.test.cat;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

@Offloadable(resourceDependent = true)
public class Count {
    private final String text;

    public Count(String text) {
        this.text = text;
    }

    public int run() {
        return text.length();
    }
}
`

// countingTransform is transform.Transform that counts its calls.
type countingTransform struct{ n atomic.Int64 }

func (c *countingTransform) transform(source string, opts transform.Options) (*transform.Task, error) {
	c.n.Add(1)
	return transform.Transform(source, opts)
}

func openRepo(ctx context.Context, t *testing.T, dir string) *repository.DB {
	t.Helper()
	repo, err := repository.OpenConfig(ctx, repository.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// TestRestoreWithoutTransform deploys two tasks, restarts the catalogue on the same
// repository, and runs them: restoring transforms nothing, and the restored tasks keep
// their parameter names and resource dependence.
func TestRestoreWithoutTransform(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rt, err := unikernel.New(unikernel.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	dir := t.TempDir()
	server := catalog.Caller{Role: "edge"}

	// First run: deploy and offer both tasks, store a resource.
	repo := openRepo(ctx, t, dir)
	var first countingTransform
	cat, err := catalog.New(catalog.Config{Repo: repo, Runtime: rt, Transform: first.transform, Site: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{echoTask, resourceTask} {
		d, err := cat.Deploy(ctx, server, src, "")
		if err != nil {
			t.Fatalf("Deploy: %v", err)
		}
		cat.MarkRegistered(ctx, d.Task)
	}
	if _, err := cat.PutResource(ctx, server, "small.txt", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := first.n.Load(); got != 2 {
		t.Errorf("transforms while deploying = %d, want 2", got)
	}
	if err := repo.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: a new catalogue on the reopened repository.
	repo = openRepo(ctx, t, dir)
	t.Cleanup(func() { _ = repo.Close() })
	var second countingTransform
	cat, err = catalog.New(catalog.Config{Repo: repo, Runtime: rt, Transform: second.transform, Site: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	restored, err := cat.Restore(ctx)
	if err != nil || len(restored) != 2 {
		t.Fatalf("Restore = %d tasks, %v, want 2", len(restored), err)
	}
	if got := second.n.Load(); got != 0 {
		t.Errorf("transforms at restore = %d, want 0", got)
	}
	tests := []struct {
		task, resource   string
		params           []any
		wantOutput       string
		wantParamNames   []string
		wantResourceDeps bool
	}{
		{"uk.test.cat.Echo", "", []any{"again", 3}, "[again|3]", []string{"s", "n"}, false},
		{"uk.test.cat.Count", "small.txt", nil, "5", []string{"text"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.task, func(t *testing.T) {
			task, ok := cat.Lookup(server, tt.task)
			if !ok {
				t.Fatalf("Lookup(%s) after restore: not found", tt.task)
			}
			if task.ResourceDependent != tt.wantResourceDeps || len(task.ParamNames) != len(tt.wantParamNames) {
				t.Errorf("restored %s: resource dependent %v, params %v; want %v, %v", tt.task,
					task.ResourceDependent, task.ParamNames, tt.wantResourceDeps, tt.wantParamNames)
			}
			for i := range tt.wantParamNames {
				if i < len(task.ParamNames) && task.ParamNames[i] != tt.wantParamNames[i] {
					t.Errorf("restored %s param %d = %q, want %q", tt.task, i, task.ParamNames[i], tt.wantParamNames[i])
				}
			}
			res, err := cat.Run(ctx, server, catalog.RunRequest{Task: task, Params: tt.params, ResourceName: tt.resource})
			if err != nil || res.Output != tt.wantOutput {
				t.Fatalf("Run(%s) after restore = %q, %v, want %q", tt.task, res.Output, err, tt.wantOutput)
			}
			if e, err := repo.GetExecution(ctx, res.ExecutionID); err != nil || e.Task != tt.task || e.Status != repository.StatusDone {
				t.Errorf("recorded execution = %+v, %v", e, err)
			}
		})
	}
	if got := second.n.Load(); got != 0 {
		t.Errorf("transforms after restart = %d, want 0", got)
	}
	// A second deploy of a restored source is a cache hit: no compile, and here not even a
	// transform, since the catalogue knows the source by its hash.
	d, err := cat.Deploy(ctx, server, echoTask, "")
	if err != nil || d.Compiled {
		t.Errorf("Deploy(restored source) = compiled %v, %v, want a cache hit", d.Compiled, err)
	}
	if got := second.n.Load(); got != 0 {
		t.Errorf("transforms after redeploying a restored source = %d, want 0", got)
	}
}

// TestRunRefusesBadArguments checks the catalogue's argument building.
func TestRunRefusesBadArguments(t *testing.T) {
	ctx := context.Background()
	repo := openRepo(ctx, t, t.TempDir())
	t.Cleanup(func() { _ = repo.Close() })
	rt, err := unikernel.New(unikernel.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	cat, err := catalog.New(catalog.Config{Repo: repo, Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	echo := &catalog.Task{FQCN: "p.Echo", ParamTypes: []string{"String", "int"}, Procedure: "p.Echo"}
	count := &catalog.Task{FQCN: "p.Count", ParamTypes: []string{"String"}, ResourceDependent: true, Procedure: "p.Count"}
	tests := []struct {
		name string
		req  catalog.RunRequest
		want error
	}{
		{"uint above int64", catalog.RunRequest{Task: echo, Params: []any{"a", uint(1 << 63)}}, catalog.ErrBadArgument},
		{"uint64 above int64", catalog.RunRequest{Task: echo, Params: []any{"a", uint64(1 << 63)}}, catalog.ErrBadArgument},
		{"unsupported type", catalog.RunRequest{Task: echo, Params: []any{"a", struct{}{}}}, catalog.ErrBadArgument},
		{"wrong arity", catalog.RunRequest{Task: echo, Params: []any{"a"}}, catalog.ErrBadArgument},
		{"resource missing", catalog.RunRequest{Task: count}, catalog.ErrBadArgument},
		{"resource unknown", catalog.RunRequest{Task: count, ResourceName: "nope.txt"}, catalog.ErrNotFound},
		{"resource name with a path", catalog.RunRequest{Task: count, ResourceName: "../x"}, catalog.ErrBadArgument},
		{"resource hash malformed", catalog.RunRequest{Task: count, ResourceSHA256: "xyz"}, catalog.ErrBadArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := cat.Run(ctx, catalog.Caller{}, tt.req); !errors.Is(err, tt.want) {
				t.Errorf("Run = %v, want %v", err, tt.want)
			}
		})
	}
}
