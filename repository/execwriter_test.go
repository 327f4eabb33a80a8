package repository_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
)

// groupCommitChildEnv names the data directory a re-executed test binary records executions
// in until it is killed.
const groupCommitChildEnv = "MAMOC_REPOSITORY_GROUP_COMMIT_CHILD"

// groupCommitChild records executions e0, e1, … forever with RecordExecution and, every few
// records, prints "flushed N" after FlushExecutions returned: e0 … eN-1 are committed.
func groupCommitChild(dir string) {
	ctx := context.Background()
	db, err := repository.OpenConfig(ctx, repository.Config{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	for n := 0; ; n++ {
		if _, err := db.RecordExecution(ctx, repository.Execution{ID: fmt.Sprintf("e%d", n), Task: "t", Status: repository.StatusDone}); err != nil {
			fmt.Fprintln(os.Stderr, "record:", err)
			os.Exit(3)
		}
		if n%37 == 36 {
			if err := db.FlushExecutions(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "flush:", err)
				os.Exit(4)
			}
			fmt.Printf("flushed %d\n", n+1)
		}
	}
}

// TestRecordExecutionSurvivesSIGKILL kills a process recording executions at a random moment:
// every execution reported flushed before the kill is in the repository afterwards.
func TestRecordExecutionSurvivesSIGKILL(t *testing.T) {
	for run := range 3 {
		t.Run(strconv.Itoa(run), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), groupCommitChildEnv+"="+dir)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			flushed := 0
			sc := bufio.NewScanner(out)
			killAt := 5 + 20*run // flush reports before the kill
			for seen := 0; sc.Scan(); seen++ {
				if n, ok := strings.CutPrefix(sc.Text(), "flushed "); ok {
					flushed, _ = strconv.Atoi(n)
				}
				if seen == killAt {
					_ = cmd.Process.Signal(syscall.SIGKILL)
					break
				}
			}
			_ = cmd.Wait()
			if flushed == 0 {
				t.Fatalf("child reported nothing flushed (stderr: %s)", stderr.String())
			}
			db := openDB(t, repository.Config{Dir: dir})
			ctx := context.Background()
			for i := range flushed {
				if _, err := db.GetExecution(ctx, fmt.Sprintf("e%d", i)); err != nil {
					t.Fatalf("GetExecution(e%d) after SIGKILL = %v, want it (reported flushed up to e%d)", i, err, flushed-1)
				}
			}
			all, err := db.ListExecutions(ctx, repository.ExecutionFilter{Limit: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("reported flushed %d, found %d after SIGKILL", flushed, len(all))
		})
	}
}

func TestRecordExecution(t *testing.T) {
	tests := []struct {
		name    string
		reopen  bool // read after Close and reopen instead of at once
		wantErr error
		exec    repository.Execution
	}{
		{name: "read at once", exec: repository.Execution{Task: "a"}},
		{name: "read after close", reopen: true, exec: repository.Execution{Task: "b", Status: repository.StatusFailed}},
		{name: "invalid", exec: repository.Execution{}, wantErr: repository.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			// A long interval: only the read, or Close, can have committed the record.
			db, err := repository.OpenConfig(ctx, repository.Config{Dir: dir, ExecutionFlushInterval: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			rec, err := db.RecordExecution(ctx, tc.exec)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("RecordExecution(%+v) = %v, want %v", tc.exec, err, tc.wantErr)
			}
			if tc.reopen {
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				db, err = repository.OpenConfig(ctx, repository.Config{Dir: dir})
				if err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { _ = db.Close() })
			if tc.wantErr != nil {
				return
			}
			got, err := db.GetExecution(ctx, rec.ID)
			if err != nil || got.Task != tc.exec.Task || got.Status != rec.Status {
				t.Errorf("GetExecution(%s) = %+v, %v; want task %s status %s", rec.ID, got, err, tc.exec.Task, rec.Status)
			}
		})
	}
}
