package repository_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
)

var (
	shaA = strings.Repeat("a", 64)
	shaB = strings.Repeat("b", 64)
	shaC = strings.Repeat("c", 64)
)

// ts is a fixed UTC time with nanoseconds, to catch precision loss.
var ts = time.Date(2026, 11, 22, 1, 2, 3, 456789123, time.UTC)

func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, db *repository.DB)
	}{
		{"task", func(t *testing.T, db *repository.DB) {
			in := repository.Task{
				FQCN: "org.example.Fib", Method: "run", Package: "org.example", Kind: repository.TaskSource,
				SourceSHA256: shaA, ArtifactSHA256: shaB, ParamTypes: []string{"int", "java.lang.String"},
				ParamNames: []string{"n", "resource"}, ResourceDependent: true, Restorable: true,
				ReturnType: "long", Offloadable: true, Reasons: []string{"pure", "no android api"},
			}
			got, err := db.PutTask(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID == 0 || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
				t.Errorf("PutTask ids/times = %d %v %v", got.ID, got.CreatedAt, got.UpdatedAt)
			}
			want := in
			want.ID, want.CreatedAt, want.UpdatedAt = got.ID, got.CreatedAt, got.UpdatedAt
			if !reflect.DeepEqual(got, want) {
				t.Errorf("PutTask = %+v, want %+v", got, want)
			}
			// Same key updates in place.
			in.Offloadable, in.Reasons, in.ArtifactSHA256, in.ParamTypes = false, []string{"uses android.content"}, "", nil
			upd, err := db.PutTask(ctx, in)
			if err != nil || upd.ID != got.ID || upd.Offloadable || upd.ArtifactSHA256 != "" ||
				!reflect.DeepEqual(upd.Reasons, in.Reasons) || len(upd.ParamTypes) != 0 {
				t.Errorf("PutTask(update) = %+v, %v", upd, err)
			}
			if err := db.SetTaskRegistered(ctx, got.ID, true); err != nil {
				t.Fatal(err)
			}
			if got, err := db.GetTask(ctx, upd.ID); err != nil || !got.Registered {
				t.Errorf("GetTask = %+v, %v, want registered", got, err)
			}
			other, err := db.PutTask(ctx, repository.Task{FQCN: "org.example.Fib", SourceSHA256: shaC, Kind: repository.TaskDexClass})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := db.TaskBySource(ctx, "org.example.Fib", shaA); err != nil || got.ID != upd.ID {
				t.Errorf("TaskBySource(A) = %+v, %v, want id %d", got, err, upd.ID)
			}
			if _, err := db.TaskBySource(ctx, "org.example.Fib", shaB); !errors.Is(err, repository.ErrNotFound) {
				t.Errorf("TaskBySource(B) = %v, want ErrNotFound", err)
			}
			if got, err := db.TaskByFQCN(ctx, "org.example.Fib"); err != nil || got.ID != other.ID {
				t.Errorf("TaskByFQCN = %+v, %v, want newest id %d", got, err, other.ID)
			}
			if all, err := db.ListTasks(ctx); err != nil || len(all) != 2 {
				t.Errorf("ListTasks = %d, %v, want 2", len(all), err)
			}
			if err := db.SetTaskRegistered(ctx, 999, true); !errors.Is(err, repository.ErrNotFound) {
				t.Errorf("SetTaskRegistered(999) = %v, want ErrNotFound", err)
			}
			if _, err := db.PutTask(ctx, repository.Task{FQCN: "x", Kind: "jar"}); !errors.Is(err, repository.ErrInvalid) {
				t.Errorf("PutTask(kind jar) = %v, want ErrInvalid", err)
			}
		}},
		{"resource", func(t *testing.T, db *repository.DB) {
			in := repository.Resource{Namespace: "org.example", Name: "assets/model.bin", SHA256: shaA, Size: 1234}
			got, err := db.PutResource(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			in.CreatedAt, in.UpdatedAt = got.CreatedAt, got.UpdatedAt
			if !reflect.DeepEqual(got, in) || got.CreatedAt.IsZero() {
				t.Errorf("PutResource = %+v, want %+v", got, in)
			}
			in.SHA256, in.Size = shaB, 99
			if _, err := db.PutResource(ctx, in); err != nil {
				t.Fatal(err)
			}
			if got, err := db.ResourceByName(ctx, "org.example", "assets/model.bin"); err != nil || got.SHA256 != shaB || got.Size != 99 {
				t.Errorf("ResourceByName = %+v, %v, want sha B size 99", got, err)
			}
			if _, err := db.PutResource(ctx, repository.Resource{Namespace: "org.example", Name: "b", SHA256: shaC}); err != nil {
				t.Fatal(err)
			}
			if l, err := db.ListResources(ctx, "org.example"); err != nil || len(l) != 2 || l[0].Name != "assets/model.bin" {
				t.Errorf("ListResources = %+v, %v", l, err)
			}
			if err := db.DeleteResource(ctx, "org.example", "b"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ResourceByName(ctx, "org.example", "b"); !errors.Is(err, repository.ErrNotFound) {
				t.Errorf("ResourceByName(deleted) = %v, want ErrNotFound", err)
			}
		}},
		{"execution", func(t *testing.T, db *repository.DB) {
			in := repository.Execution{
				ID: "e1", Task: "org.example.Fib", CallerAuthID: "phone-1", CallerSession: 1 << 52,
				Site: "edge-1", ParamDigest: shaA, Status: repository.StatusQueued, QueuedAt: ts,
			}
			if _, err := db.InsertExecution(ctx, in); err != nil {
				t.Fatal(err)
			}
			if got, err := db.GetExecution(ctx, "e1"); err != nil || !reflect.DeepEqual(got, in) {
				t.Errorf("GetExecution = %+v, %v, want %+v", got, err, in)
			}
			if _, err := db.InsertExecution(ctx, in); !errors.Is(err, repository.ErrExists) {
				t.Errorf("InsertExecution(dup) = %v, want ErrExists", err)
			}
			if err := db.StartExecution(ctx, "e1", "edge-2", ts.Add(time.Second), time.Second); err != nil {
				t.Fatal(err)
			}
			res := repository.Result{Status: repository.StatusFailed, EndedAt: ts.Add(3 * time.Second),
				ExecTime: 2 * time.Second, CommOverhead: 15 * time.Millisecond, OutputSize: 42,
				ErrorURI: "mamoc.error.task_failed", ErrorMessage: "boom"}
			if err := db.FinishExecution(ctx, "e1", res); err != nil {
				t.Fatal(err)
			}
			want := in
			want.Site, want.Status, want.StartedAt, want.QueueTime = "edge-2", repository.StatusFailed, ts.Add(time.Second), time.Second
			want.EndedAt, want.ExecTime, want.CommOverhead, want.OutputSize = res.EndedAt, res.ExecTime, res.CommOverhead, res.OutputSize
			want.ErrorURI, want.ErrorMessage = res.ErrorURI, res.ErrorMessage
			if got, err := db.GetExecution(ctx, "e1"); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("GetExecution(finished) = %+v, %v, want %+v", got, err, want)
			}
			want.Status, want.ErrorMessage = repository.StatusDone, ""
			if err := db.UpdateExecution(ctx, want); err != nil {
				t.Fatal(err)
			}
			if got, err := db.GetExecution(ctx, "e1"); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("GetExecution(updated) = %+v, %v, want %+v", got, err, want)
			}
			gen, err := db.InsertExecution(ctx, repository.Execution{Task: "t"})
			if err != nil || len(gen.ID) != 32 || gen.Status != repository.StatusQueued || gen.QueuedAt.IsZero() {
				t.Errorf("InsertExecution(defaults) = %+v, %v", gen, err)
			}
			batch := []repository.Execution{{Task: "t"}, {Task: "t", Status: repository.StatusRunning}}
			if err := db.InsertExecutions(ctx, batch); err != nil || batch[0].ID == "" || batch[1].ID == "" {
				t.Fatalf("InsertExecutions = %v, ids %q %q", err, batch[0].ID, batch[1].ID)
			}
			// A batch with one bad row stores nothing.
			bad := []repository.Execution{{ID: "fresh", Task: "t"}, {ID: "e1", Task: "t"}}
			if err := db.InsertExecutions(ctx, bad); !errors.Is(err, repository.ErrExists) {
				t.Errorf("InsertExecutions(dup) = %v, want ErrExists", err)
			}
			if _, err := db.GetExecution(ctx, "fresh"); !errors.Is(err, repository.ErrNotFound) {
				t.Errorf("GetExecution(fresh) = %v, want ErrNotFound (batch must be atomic)", err)
			}
			if l, err := db.ListExecutions(ctx, repository.ExecutionFilter{Task: "t"}); err != nil || len(l) != 3 {
				t.Errorf("ListExecutions(task t) = %d, %v, want 3", len(l), err)
			}
			for _, tc := range []struct {
				name string
				err  error
			}{
				{"update missing", db.UpdateExecution(ctx, repository.Execution{ID: "nope", Task: "t", Status: repository.StatusDone})},
				{"finish missing", db.FinishExecution(ctx, "nope", repository.Result{Status: repository.StatusDone})},
				{"start missing", db.StartExecution(ctx, "nope", "s", time.Time{}, 0)},
			} {
				if !errors.Is(tc.err, repository.ErrNotFound) {
					t.Errorf("%s = %v, want ErrNotFound", tc.name, tc.err)
				}
			}
			if err := db.FinishExecution(ctx, "e1", repository.Result{Status: repository.StatusRunning}); !errors.Is(err, repository.ErrInvalid) {
				t.Errorf("FinishExecution(running) = %v, want ErrInvalid", err)
			}
			if _, err := db.InsertExecution(ctx, repository.Execution{Task: "t", Status: "weird"}); !errors.Is(err, repository.ErrInvalid) {
				t.Errorf("InsertExecution(status weird) = %v, want ErrInvalid", err)
			}
		}},
		{"site", func(t *testing.T, db *repository.DB) {
			in := repository.Site{ID: "edge-1", Kind: repository.SiteEdge, Address: "ws://10.0.0.2:8080/ws",
				LastStats: json.RawMessage(`{"cpu":0.5}`), UpdatedAt: ts}
			if err := db.PutSite(ctx, in); err != nil {
				t.Fatal(err)
			}
			if got, err := db.GetSite(ctx, "edge-1"); err != nil || !reflect.DeepEqual(got, in) {
				t.Errorf("GetSite = %+v, %v, want %+v", got, err, in)
			}
			in.Kind, in.LastStats = repository.SiteCloud, nil
			if err := db.PutSite(ctx, in); err != nil {
				t.Fatal(err)
			}
			if err := db.PutSite(ctx, repository.Site{ID: "phone-1", Kind: repository.SitePhone}); err != nil {
				t.Fatal(err)
			}
			l, err := db.ListSites(ctx)
			if err != nil || len(l) != 2 || !reflect.DeepEqual(l[0], in) {
				t.Errorf("ListSites = %+v, %v, want [%+v phone-1]", l, err, in)
			}
			if err := db.PutSite(ctx, repository.Site{ID: "x", Kind: "mars"}); !errors.Is(err, repository.ErrInvalid) {
				t.Errorf("PutSite(kind mars) = %v, want ErrInvalid", err)
			}
			if err := db.PutSite(ctx, repository.Site{ID: "x", Kind: repository.SiteEdge, LastStats: json.RawMessage("{")}); !errors.Is(err, repository.ErrInvalid) {
				t.Errorf("PutSite(bad json) = %v, want ErrInvalid", err)
			}
			if err := db.DeleteSite(ctx, "phone-1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetSite(ctx, "phone-1"); !errors.Is(err, repository.ErrNotFound) {
				t.Errorf("GetSite(deleted) = %v, want ErrNotFound", err)
			}
		}},
		{"instance", func(t *testing.T, db *repository.DB) {
			in := repository.Instance{ID: "i1", Image: "jvm-unikernel:1", Driver: "qemu", Group: "src:org.example.Fib@0123",
				Status: "running", PID: 4242, Address: "vsock:3:5000", BootTime: 123 * time.Millisecond,
				CreatedAt: ts, LastUsed: ts.Add(time.Minute)}
			if err := db.PutInstance(ctx, in); err != nil {
				t.Fatal(err)
			}
			if got, err := db.GetInstance(ctx, "i1"); err != nil || !reflect.DeepEqual(got, in) {
				t.Errorf("GetInstance = %+v, %v, want %+v", got, err, in)
			}
			upd := in
			upd.CreatedAt, upd.Status, upd.LastUsed = time.Time{}, "idle", ts.Add(time.Hour)
			if err := db.PutInstance(ctx, upd); err != nil {
				t.Fatal(err)
			}
			upd.CreatedAt = ts // kept from the first put
			if l, err := db.ListInstances(ctx); err != nil || len(l) != 1 || !reflect.DeepEqual(l[0], upd) {
				t.Errorf("ListInstances = %+v, %v, want [%+v]", l, err, upd)
			}
			if err := db.DeleteInstance(ctx, "i1"); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteInstance(ctx, "i1"); !errors.Is(err, repository.ErrNotFound) {
				t.Errorf("DeleteInstance(again) = %v, want ErrNotFound", err)
			}
		}},
		{"job", func(t *testing.T, db *repository.DB) {
			j, err := db.CreateJob(ctx, repository.Job{APKSHA256: shaA})
			if err != nil || j.ID == "" || j.State != repository.JobQueued || j.CreatedAt.IsZero() {
				t.Fatalf("CreateJob = %+v, %v", j, err)
			}
			j.State, j.Progress, j.Stage, j.ReportSHA256 = repository.JobDone, 1, "report", shaB
			upd, err := db.UpdateJob(ctx, j)
			if err != nil {
				t.Fatal(err)
			}
			want := j
			want.UpdatedAt = upd.UpdatedAt
			if !reflect.DeepEqual(upd, want) {
				t.Errorf("UpdateJob = %+v, want %+v", upd, want)
			}
			if got, err := db.GetJob(ctx, j.ID); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("GetJob = %+v, %v, want %+v", got, err, want)
			}
			if _, err := db.CreateJob(ctx, repository.Job{ID: j.ID}); !errors.Is(err, repository.ErrExists) {
				t.Errorf("CreateJob(dup) = %v, want ErrExists", err)
			}
			if _, err := db.UpdateJob(ctx, repository.Job{ID: "nope", State: repository.JobRunning}); !errors.Is(err, repository.ErrNotFound) {
				t.Errorf("UpdateJob(missing) = %v, want ErrNotFound", err)
			}
			if _, err := db.UpdateJob(ctx, repository.Job{ID: j.ID, State: repository.JobRunning, Progress: 1.5}); !errors.Is(err, repository.ErrInvalid) {
				t.Errorf("UpdateJob(progress 1.5) = %v, want ErrInvalid", err)
			}
			if l, err := db.ListJobs(ctx); err != nil || len(l) != 1 {
				t.Errorf("ListJobs = %d, %v, want 1", len(l), err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, openDB(t, repository.Config{}))
		})
	}
}

func TestRoundTripsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := repository.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.InsertExecution(ctx, repository.Execution{Task: "t", QueuedAt: ts, ExecTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.PutBlobBytes(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetExecution(ctx, e.ID); !errors.Is(err, repository.ErrClosed) {
		t.Errorf("GetExecution after Close = %v, want ErrClosed", err)
	}
	if _, err := db.PutBlobBytes(ctx, nil); !errors.Is(err, repository.ErrClosed) {
		t.Errorf("PutBlobBytes after Close = %v, want ErrClosed", err)
	}
	db2 := openDB(t, repository.Config{Dir: dir})
	if got, err := db2.GetExecution(ctx, e.ID); err != nil || !reflect.DeepEqual(got, e) {
		t.Errorf("GetExecution after reopen = %+v, %v, want %+v", got, err, e)
	}
	if got, err := db2.GetBlob(ctx, b.SHA256); err != nil || string(got) != "hello" {
		t.Errorf("GetBlob after reopen = %q, %v", got, err)
	}
	if _, err := repository.Open(ctx, dir); !errors.Is(err, repository.ErrLocked) {
		t.Errorf("second Open of a held dir = %v, want ErrLocked", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  repository.Config
		ok   bool
	}{
		{"zero", repository.Config{}, true},
		{"negative max blob", repository.Config{MaxBlobSize: -1}, false},
		{"negative busy timeout", repository.Config{BusyTimeout: -time.Second}, false},
		{"negative grace", repository.Config{BlobGCGrace: -time.Second}, false},
		{"negative readers", repository.Config{MaxReaders: -1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
