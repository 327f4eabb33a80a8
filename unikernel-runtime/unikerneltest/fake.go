package unikerneltest

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

var _ unikernel.Driver = (*FakeDriver)(nil)

// fakeCapabilities are the fake driver's static abilities.
var fakeCapabilities = unikernel.Capabilities{Isolation: "none", Network: true}

// FakeDriver runs the agent as an ordinary child process of the test, with no isolation at all.
// It exists to test the Runtime and the suite itself; never use it for untrusted code.
type FakeDriver struct {
	mu    sync.Mutex // guards tasks
	tasks map[string]*fakeTask
}

type fakeTask struct {
	cmd  *exec.Cmd
	done chan struct{}
	exit unikernel.ExitResult
}

// NewFakeDriver returns a fake driver.
func NewFakeDriver() *FakeDriver { return &FakeDriver{tasks: map[string]*fakeTask{}} }

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
	t := &fakeTask{cmd: cmd, done: make(chan struct{})}
	go func() {
		t.exit = unikernel.ExitResultOf(cmd.Wait())
		close(t.done)
	}()
	d.mu.Lock()
	d.tasks[cfg.ID] = t
	d.mu.Unlock()
	return &unikernel.TaskHandle{ID: cfg.ID, Pid: cmd.Process.Pid, Conn: &pipeConn{Reader: out, w: in, r: out}, StartedAt: time.Now()}, nil
}

type pipeConn struct {
	io.Reader
	w io.WriteCloser
	r io.Closer
}

func (c *pipeConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *pipeConn) Close() error {
	err := c.w.Close()
	_ = c.r.Close()
	return err
}

func (d *FakeDriver) get(id string) (*fakeTask, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tasks[id]
	return t, ok
}

// StopTask kills the process; unknown ids are fine.
func (d *FakeDriver) StopTask(ctx context.Context, id string) error {
	t, ok := d.get(id)
	if !ok {
		return nil
	}
	_ = t.cmd.Process.Kill()
	select {
	case <-t.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	d.mu.Lock()
	delete(d.tasks, id)
	d.mu.Unlock()
	return nil
}

// WaitTask waits for the process to exit.
func (d *FakeDriver) WaitTask(ctx context.Context, id string) (unikernel.ExitResult, error) {
	t, ok := d.get(id)
	if !ok {
		return unikernel.ExitResult{}, unikernel.ErrNotFound
	}
	select {
	case <-t.done:
		return t.exit, nil
	case <-ctx.Done():
		return unikernel.ExitResult{}, ctx.Err()
	}
}

// InspectTask reads CPU and RSS from /proc.
func (d *FakeDriver) InspectTask(id string) (unikernel.TaskUsage, error) {
	t, ok := d.get(id)
	if !ok {
		return unikernel.TaskUsage{}, unikernel.ErrNotFound
	}
	return ProcUsage(t.cmd.Process.Pid)
}

// ProcUsage reads a process's CPU time and RSS from /proc/<pid>/stat.
func ProcUsage(pid int) (unikernel.TaskUsage, error) {
	var u unikernel.TaskUsage
	b, err := os.ReadFile(filepath.Join("/proc", strconvItoa(pid), "stat"))
	if err != nil {
		return u, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return u, errors.New("bad /proc stat")
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 22 {
		return u, errors.New("short /proc stat")
	}
	ut, st, rss := atoi(f[11]), atoi(f[12]), atoi(f[21])
	u.CPU = time.Duration(ut+st) * 10 * time.Millisecond
	u.MemoryBytes = uint64(rss) * uint64(os.Getpagesize())
	return u, nil
}
