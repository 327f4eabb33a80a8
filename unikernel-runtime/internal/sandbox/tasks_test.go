package sandbox_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

// procTask is a host process kept in a Tasks table.
type procTask struct {
	*sandbox.Exit

	id    string
	cmd   *exec.Cmd
	tasks *sandbox.Tasks[*procTask]
}

func (t *procTask) Kill()    { _ = t.cmd.Process.Kill() }
func (t *procTask) Cleanup() { t.tasks.Remove(t.id) }
func (t *procTask) Usage() (unikernel.TaskUsage, error) {
	return sandbox.ProcUsage(t.cmd.Process.Pid)
}

func start(t *testing.T, tasks *sandbox.Tasks[*procTask], id string, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		t.Skipf("start %s: %v", argv[0], err)
	}
	tasks.Add(id, &procTask{Exit: sandbox.Watch(cmd.Wait), id: id, cmd: cmd, tasks: tasks})
	t.Cleanup(tasks.Close)
}

var errNoTask = errors.New("no such task")

func TestTasks(t *testing.T) {
	tests := []struct {
		name     string
		argv     []string
		stop     bool // StopTask before WaitTask
		wantCode int
		wantErr  error // of Wait after Stop or exit
	}{
		{"exit code", []string{"sh", "-c", "exit 3"}, false, 3, nil},
		{"stopped", []string{"sleep", "60"}, true, 0, errNoTask},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks := sandbox.NewTasks[*procTask](errNoTask)
			start(t, tasks, "a", tt.argv...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tt.stop {
				if err := tasks.Stop(ctx, "a"); err != nil {
					t.Fatalf("Stop(a) = %v, want nil", err)
				}
			}
			ex, err := tasks.Wait(ctx, "a")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Wait(a) error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && ex.ExitCode != tt.wantCode {
				t.Errorf("Wait(a).ExitCode = %d, want %d", ex.ExitCode, tt.wantCode)
			}
		})
	}
}

func TestTasksUnknown(t *testing.T) {
	tasks := sandbox.NewTasks[*procTask](errNoTask)
	if err := tasks.Stop(context.Background(), "x"); err != nil {
		t.Errorf("Stop(x) = %v, want nil", err)
	}
	if _, err := tasks.Wait(context.Background(), "x"); !errors.Is(err, errNoTask) {
		t.Errorf("Wait(x) error = %v, want %v", err, errNoTask)
	}
	if _, err := tasks.Inspect("x"); !errors.Is(err, errNoTask) {
		t.Errorf("Inspect(x) error = %v, want %v", err, errNoTask)
	}
}

func TestProcUsage(t *testing.T) {
	u, err := sandbox.ProcUsage(os.Getpid())
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if u.MemoryBytes == 0 {
		t.Errorf("ProcUsage(self).MemoryBytes = 0, want > 0")
	}
	if _, err := sandbox.ProcUsage(-1); err == nil {
		t.Errorf("ProcUsage(-1) error = nil, want one")
	}
}
