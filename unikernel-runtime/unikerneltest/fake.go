package unikerneltest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

var _ unikernel.Driver = (*FakeDriver)(nil)

// fakeCapabilities are the fake driver's static abilities.
var fakeCapabilities = unikernel.Capabilities{Isolation: "none", Network: true}

// FakeDriver runs the agent as an ordinary child process of the test, with no isolation at all.
// It exists to test the Runtime and the suite itself; never use it for untrusted code.
type FakeDriver struct {
	tasks *sandbox.Tasks[*fakeTask]
}

type fakeTask struct {
	*sandbox.Exit

	id  string
	cmd *exec.Cmd
	d   *FakeDriver
}

// Kill kills the process.
func (t *fakeTask) Kill() { _ = t.cmd.Process.Kill() }

// Cleanup forgets the task.
func (t *fakeTask) Cleanup() { t.d.tasks.Remove(t.id) }

// Usage reads CPU and RSS from /proc.
func (t *fakeTask) Usage() (unikernel.TaskUsage, error) { return ProcUsage(t.cmd.Process.Pid) }

// NewFakeDriver returns a fake driver.
func NewFakeDriver() *FakeDriver {
	return &FakeDriver{tasks: sandbox.NewTasks[*fakeTask](unikernel.ErrNotFound)}
}

// Capabilities returns the fake driver's static abilities.
func (d *FakeDriver) Capabilities() unikernel.Capabilities { return fakeCapabilities }

// Fingerprint reports the fake driver as degraded: it isolates nothing.
func (d *FakeDriver) Fingerprint(ctx context.Context) (<-chan unikernel.Fingerprint, error) {
	ch := make(chan unikernel.Fingerprint, 1)
	ch <- unikernel.Fingerprint{Health: unikernel.HealthDegraded, Description: "fake driver: no isolation",
		Attributes: map[string]string{"driver": "fake"}, Missing: []string{"isolation"}}
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, nil
}

// StartTask runs the image's JVM directly, with in-image paths rewritten to host paths.
func (d *FakeDriver) StartTask(_ context.Context, cfg unikernel.TaskConfig) (*unikernel.TaskHandle, error) {
	argv := make([]string, len(cfg.Argv))
	for i, a := range cfg.Argv {
		if strings.HasPrefix(a, "/jre/") || strings.HasPrefix(a, "/agent/") {
			a = filepath.Join(cfg.RootFS, a)
		}
		a = strings.ReplaceAll(a, "=/agent/", "="+filepath.Join(cfg.RootFS, "agent")+"/")
		argv[i] = strings.ReplaceAll(a, "-Djava.io.tmpdir=/tmp", "-Djava.io.tmpdir="+os.TempDir())
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = cfg.RootFS
	cmd.Stderr = cfg.Stderr
	cmd.Stdout = cfg.Stderr
	cmd.SysProcAttr = sysProcAttr()
	inR, in, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	out, outW, err := os.Pipe()
	if err != nil {
		_ = inR.Close()
		_ = in.Close()
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{inR, outW} // guest fds 3 and 4
	err = cmd.Start()
	_ = inR.Close() // the child has its copies
	_ = outW.Close()
	if err != nil {
		_ = in.Close()
		_ = out.Close()
		return nil, err
	}
	d.tasks.Add(cfg.ID, &fakeTask{Exit: sandbox.Watch(cmd.Wait), id: cfg.ID, cmd: cmd, d: d})
	return &unikernel.TaskHandle{ID: cfg.ID, Pid: cmd.Process.Pid, Conn: &sandbox.Conn{R: out, W: in}, StartedAt: time.Now()}, nil
}

// StopTask kills the process; unknown ids are fine.
func (d *FakeDriver) StopTask(ctx context.Context, id string) error { return d.tasks.Stop(ctx, id) }

// WaitTask waits for the process to exit.
func (d *FakeDriver) WaitTask(ctx context.Context, id string) (unikernel.ExitResult, error) {
	return d.tasks.Wait(ctx, id)
}

// InspectTask reads CPU and RSS from /proc.
func (d *FakeDriver) InspectTask(id string) (unikernel.TaskUsage, error) { return d.tasks.Inspect(id) }

// ProcUsage reads a process's CPU time and RSS from /proc/<pid>/stat.
func ProcUsage(pid int) (unikernel.TaskUsage, error) { return sandbox.ProcUsage(pid) }
