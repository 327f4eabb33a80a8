package repository_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
)

// makeV1 builds a database exactly as schema version 1 left it, with data.
func makeV1(t *testing.T, dir string) {
	t.Helper()
	schema, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "mamoc.db")+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, q := range []string{
		string(schema),
		`PRAGMA user_version = 1`,
		`INSERT INTO apps VALUES ('` + shaA + `', 'org.old', '0.9', 9, 1000)`,
		`INSERT INTO tasks (fqcn, app, kind, param_types, created_at, updated_at) VALUES ('p.Old', 'src:p.Old@abc', 'source', '["int"]', 1, 1)`,
		`INSERT INTO tasks (fqcn, method, app, kind, created_at, updated_at) VALUES ('p.Dex', 'm', 'org.old', 'dex-static', 1, 1)`,
		`INSERT INTO resources VALUES ('phone:a', 'small.txt', '` + shaA + `', 3, 1, 1)`,
		`INSERT INTO executions (id, task, status, queued_at, exec_time_ns) VALUES ('old-1', 'fib', 'done', 2000, 5000000)`,
		`INSERT INTO sites VALUES ('edge-1', 'edge', 'ws://x', '{"a":1}', 3000)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
}

func TestMigrationUpgradesOldSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeV1(t, dir)
	db := openDB(t, repository.Config{Dir: dir})
	if v, err := db.SchemaVersion(ctx); err != nil || v != repository.LatestSchemaVersion() || v < 2 {
		t.Fatalf("SchemaVersion = %d, %v, want %d (>= 2)", v, err, repository.LatestSchemaVersion())
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	// Old rows survive, with the new column's default.
	e, err := db.GetExecution(ctx, "old-1")
	if err != nil || e.ExecTime != 5*time.Millisecond || e.CommOverhead != 0 || !e.QueuedAt.Equal(time.Unix(0, 2000)) {
		t.Errorf("GetExecution(old-1) = %+v, %v", e, err)
	}
	// Version 3: tasks stored before it are not restorable; a source task has no package,
	// a refactored app's task keeps its own; a resource's namespace is what app held.
	tasks, err := db.ListTasks(ctx)
	if err != nil || len(tasks) != 2 {
		t.Fatalf("ListTasks = %+v, %v, want 2 tasks", tasks, err)
	}
	for _, tk := range tasks {
		want := map[string]string{"p.Dex": "org.old", "p.Old": ""}[tk.FQCN]
		if tk.Package != want || tk.Restorable {
			t.Errorf("task %s after upgrade: package %q restorable %v, want %q false", tk.FQCN, tk.Package, tk.Restorable, want)
		}
	}
	if r, err := db.ResourceByName(ctx, "phone:a", "small.txt"); err != nil || r.SHA256 != shaA {
		t.Errorf("ResourceByName after upgrade = %+v, %v", r, err)
	}
	if s, err := db.GetSite(ctx, "edge-1"); err != nil || string(s.LastStats) != `{"a":1}` {
		t.Errorf("GetSite = %+v, %v", s, err)
	}
	// Tables added by version 2 work.
	if err := db.PutInstance(ctx, repository.Instance{ID: "i1", Driver: "process"}); err != nil {
		t.Errorf("PutInstance after upgrade = %v", err)
	}
	if _, err := db.CreateJob(ctx, repository.Job{}); err != nil {
		t.Errorf("CreateJob after upgrade = %v", err)
	}
	e.CommOverhead = time.Millisecond
	if err := db.UpdateExecution(ctx, e); err != nil {
		t.Errorf("UpdateExecution after upgrade = %v", err)
	}
}

func TestMigrationReopenIsNoop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		db, err := repository.Open(ctx, dir)
		if err != nil {
			t.Fatalf("Open #%d = %v", i, err)
		}
		if _, err := db.InsertExecution(ctx, repository.Execution{Task: "t"}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db := openDB(t, repository.Config{Dir: dir})
	if l, err := db.ListExecutions(ctx, repository.ExecutionFilter{}); err != nil || len(l) != 3 {
		t.Errorf("ListExecutions = %d, %v, want 3", len(l), err)
	}
}

func TestMigrationRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	raw, err := sql.Open("sqlite3", filepath.Join(dir, "mamoc.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err := repository.Open(context.Background(), dir); !errors.Is(err, repository.ErrSchemaTooNew) {
		if db != nil {
			_ = db.Close()
		}
		t.Fatalf("Open(schema 999) = %v, want ErrSchemaTooNew", err)
	}
}
