package gvisor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

// task is one running sandbox.
type task struct {
	*sandbox.Exit // of runsc run

	id     string
	d      *Driver
	cmd    *exec.Cmd // runsc run, attached: the sandbox dies with it
	bundle string
	cg     *sandbox.Cgroup

	once sync.Once // guards cleanup
}

var _ sandbox.Task = (*task)(nil)

// sandboxPid is the host pid of the Sentry, 0 until runsc has written it.
func (t *task) sandboxPid() int {
	b, err := os.ReadFile(filepath.Join(t.bundle, "pid"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// Kill kills the sandbox; runsc run then tears the container down and exits.
func (t *task) Kill() {
	if pid := t.sandboxPid(); pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if t.cg != nil {
		t.cg.KillAll()
	}
	select {
	case <-t.Done():
	case <-time.After(2 * time.Second):
		_ = t.cmd.Process.Kill()
	}
}

// Cleanup removes the sandbox's runsc state, cgroups and bundle and forgets it.
func (t *task) Cleanup() {
	t.once.Do(func() {
		// runsc run deletes its state when the container ends; a runsc killed itself cannot.
		if _, err := os.Stat(filepath.Join(t.d.cfg.StateDir, "runsc")); err == nil {
			if matches, _ := filepath.Glob(filepath.Join(t.d.cfg.StateDir, "runsc", "*"+t.id+"*")); len(matches) > 0 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_ = t.d.runsc(ctx, "delete", "--force", t.id).Run()
				cancel()
				for _, m := range matches {
					if strings.HasSuffix(m, ".lock") {
						_ = os.Remove(m)
					}
				}
			}
		}
		if t.cg != nil {
			t.cg.Remove()
		}
		t.d.removeLeaves(t.id)
		_ = os.RemoveAll(t.bundle)
		t.d.tasks.Remove(t.id)
	})
}

// Usage returns the use its cgroups account, else the Sentry's from /proc.
func (t *task) Usage() (unikernel.TaskUsage, error) {
	if u, ok := t.cg.Usage(); ok {
		return u, nil
	}
	pid := t.sandboxPid()
	if pid <= 0 {
		return unikernel.TaskUsage{}, errors.New("sandbox not started")
	}
	return sandbox.ProcUsage(pid)
}

// runsc returns a runsc command with the driver's global flags.
func (d *Driver) runsc(ctx context.Context, args ...string) *exec.Cmd {
	global := []string{"--root", filepath.Join(d.cfg.StateDir, "runsc"), "--network=none",
		"--platform=" + d.platform(ctx), "--oci-seccomp"}
	return exec.CommandContext(ctx, d.cfg.Runsc, append(global, args...)...)
}

// StartTask writes the instance's bundle and starts `runsc run` on it; the agent's channel is the
// container's stdin and stdout.
func (d *Driver) StartTask(ctx context.Context, cfg unikernel.TaskConfig) (*unikernel.TaskHandle, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.sweepOnce.Do(func() { d.sweep(ctx) })
	t := &task{id: cfg.ID, d: d, bundle: filepath.Join(d.cfg.StateDir, "bundles", cfg.ID)}
	if err := writeBundle(t.bundle, d.bundleSpec(cfg)); err != nil {
		return nil, err
	}
	cg, err := sandbox.NewCgroup(d.cfg.CgroupRoot, d.cfg.CgroupParent, cfg.ID, cfg.MemoryMB, hostPids(cfg.PidsMax), cfg.CPUs)
	if err != nil {
		_ = os.RemoveAll(t.bundle)
		return nil, err
	}
	t.cg = cg
	inR, inW, err := os.Pipe()
	if err != nil {
		t.cleanupUnstarted()
		return nil, fmt.Errorf("protocol pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		_, _ = inR.Close(), inW.Close()
		t.cleanupUnstarted()
		return nil, fmt.Errorf("protocol pipe: %w", err)
	}
	cmd := d.runsc(context.Background(), "run", "--bundle", t.bundle, "--pid-file", filepath.Join(t.bundle, "pid"), cfg.ID)
	cmd.Stdin, cmd.Stdout = inR, outW
	if cfg.Stderr != nil {
		cmd.Stderr = cfg.Stderr
	}
	// runsc run is attached: when it dies (with the server, through Pdeathsig) the sandbox dies too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 3 * time.Second
	t.cmd = cmd
	err = cmd.Start()
	_, _ = inR.Close(), outW.Close()
	if err != nil {
		_, _ = inW.Close(), outR.Close()
		t.cleanupUnstarted()
		return nil, fmt.Errorf("start runsc: %w", err)
	}
	t.Exit = sandbox.Watch(cmd.Wait)
	d.tasks.Add(cfg.ID, t)
	d.log.Debug("sandbox started", "id", cfg.ID, "platform", d.platform(ctx))
	return &unikernel.TaskHandle{ID: cfg.ID, Conn: &sandbox.Conn{R: outR, W: inW}, StartedAt: time.Now()}, nil
}

func (t *task) cleanupUnstarted() {
	if t.cg != nil {
		t.cg.Remove()
	}
	_ = os.RemoveAll(t.bundle)
}

// sweep removes what the sandboxes of a server killed outright left behind (the sandboxes
// themselves died with their runsc): bundles runsc no longer knows that are older than a minute
// (younger ones may belong to another server booting on the same state dir), and their cgroup
// leaves, which the kernel removes only once empty.
func (d *Driver) sweep(ctx context.Context) {
	dir := filepath.Join(d.cfg.StateDir, "bundles")
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		return
	}
	out, err := d.runsc(ctx, "list", "-quiet").Output()
	if err != nil {
		return
	}
	known := map[string]bool{}
	for _, id := range strings.Fields(string(out)) {
		known[id] = true
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || known[e.Name()] || time.Since(info.ModTime()) < time.Minute {
			continue
		}
		if _, err := d.tasks.Get(e.Name()); err == nil {
			continue
		}
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		d.removeLeaves(e.Name())
		d.log.Info("removed a dead sandbox's leftovers", "id", e.Name())
	}
}

// removeLeaves removes the instance's empty cgroup leaves in every controller: runsc creates
// leaves in the controllers the driver does not (blkio, cpuset, devices, freezer…) and leaves
// them behind when it is killed before it can tear the container down.
func (d *Driver) removeLeaves(id string) {
	ctrls, err := os.ReadDir(d.cfg.CgroupRoot)
	if err != nil {
		return
	}
	for _, c := range ctrls {
		_ = os.Remove(filepath.Join(d.cfg.CgroupRoot, c.Name(), d.cfg.CgroupParent, id))
	}
}
