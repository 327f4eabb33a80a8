package process

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

// task is one running instance.
type task struct {
	*sandbox.Exit // of bwrap

	id    string
	cmd   *exec.Cmd
	child int // host pid of the sandboxed JVM (bwrap --as-pid-1)
	cg    *sandbox.Cgroup
	d     *Driver

	once sync.Once // guards cleanup
}

var _ sandbox.Task = (*task)(nil)

// Kill kills the JVM and bwrap.
func (t *task) Kill() {
	if t.child > 0 {
		_ = syscall.Kill(t.child, syscall.SIGKILL)
	}
	if t.cmd.Process != nil {
		_ = t.cmd.Process.Kill()
	}
}

// Cleanup removes the instance's cgroup and forgets it.
func (t *task) Cleanup() {
	t.once.Do(func() {
		if t.cg != nil {
			t.cg.Remove()
		}
		t.d.tasks.Remove(t.id)
	})
}

// cpu is the CPU time of the task: its cgroup's, else usage's.
func (t *task) cpu() (time.Duration, error) {
	if c, err := t.cg.CPU(); err == nil {
		return c, nil
	}
	u, err := t.Usage()
	return u.CPU, err
}

// Usage returns the use its cgroup accounts, else the JVM's from /proc.
func (t *task) Usage() (unikernel.TaskUsage, error) {
	if u, ok := t.cg.Usage(); ok {
		return u, nil
	}
	return sandbox.ProcUsage(t.child)
}

func (d *Driver) probe(ctx context.Context) unikernel.Fingerprint {
	fp := unikernel.Fingerprint{Attributes: map[string]string{"driver": "process"}}
	bw := sandbox.Binary(ctx, &fp, d.cfg.Bwrap, "bwrap", "", "bubblewrap (bwrap) not found; install the bubblewrap package")
	if bw == "" {
		return fp
	}
	probe := exec.CommandContext(ctx, bw, "--unshare-all", "--die-with-parent", "--uid", "65534", "--gid", "65534",
		"--ro-bind", "/", "/", "--", "/bin/true")
	if os.Geteuid() == 0 {
		probe.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(d.cfg.HostUID), Gid: uint32(d.cfg.HostUID)}}
		fp.Attributes["host_uid"] = strconv.Itoa(d.cfg.HostUID)
	} else {
		fp.Attributes["host_uid"] = strconv.Itoa(os.Geteuid()) // already unprivileged (cgroups will be missing)
	}
	if out, err := probe.CombinedOutput(); err != nil {
		fp.Health = unikernel.HealthUndetected
		fp.Description = fmt.Sprintf("bwrap cannot create namespaces: %v: %s", err, strings.TrimSpace(string(out)))
		return fp
	}
	fp.Attributes["namespaces"] = "user,pid,mount,net,ipc,uts,cgroup"
	if b, err := os.ReadFile("/proc/self/status"); err == nil && strings.Contains(string(b), "Seccomp:") {
		fp.Attributes["seccomp"] = "filter"
	} else {
		fp.Missing = append(fp.Missing, "seccomp")
	}
	if d.prlimit == "" {
		fp.Missing = append(fp.Missing, "rlimits(no prlimit)")
	}
	if _, err := seccompPrograms(); err != nil {
		fp.Missing = append(fp.Missing, "seccomp("+err.Error()+")")
	}
	sandbox.ProbeCgroups(&fp, d.cfg.CgroupRoot)
	fp.Health = unikernel.HealthHealthy
	fp.Description = "bubblewrap sandbox with seccomp and cgroup v1 limits"
	if len(fp.Missing) > 0 {
		fp.Health = unikernel.HealthDegraded
		fp.Description = "bubblewrap sandbox without " + strings.Join(fp.Missing, ", ")
	}
	return fp
}

// StartTask starts the agent under bwrap; the JVM is held until it sits in its cgroup with its rlimits.
func (d *Driver) StartTask(ctx context.Context, cfg unikernel.TaskConfig) (*unikernel.TaskHandle, error) {
	progs, err := seccompPrograms()
	if err != nil {
		return nil, err
	}
	root, err := os.Open(cfg.RootFS)
	if err != nil {
		return nil, fmt.Errorf("open image: %w", err)
	}
	defer func() { _ = root.Close() }()
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	pipe := func() (*os.File, *os.File, error) {
		r, w, err := os.Pipe()
		if err == nil {
			closers = append(closers, r, w)
		}
		return r, w, err
	}
	// guest fds: 3 protocol in, 4 protocol out; bwrap's own: 5 root, 6.. seccomp, then info, block
	protoInR, protoInW, err := pipe()
	if err != nil {
		return nil, err
	}
	protoOutR, protoOutW, err := pipe()
	if err != nil {
		return nil, err
	}
	// the unprivileged guest reopens its ends through /proc/self/fd, which checks the pipe's mode
	for _, f := range []*os.File{protoInR, protoOutW} {
		if err := f.Chmod(0o666); err != nil {
			return nil, fmt.Errorf("protocol pipe: %w", err)
		}
	}
	var secR []*os.File
	for _, prog := range progs {
		r, w, err := pipe()
		if err != nil {
			return nil, err
		}
		// a filter is a few hundred bytes: it fits in the pipe buffer
		if _, err := w.Write(prog); err != nil {
			return nil, fmt.Errorf("seccomp pipe: %w", err)
		}
		_ = w.Close()
		secR = append(secR, r)
	}
	infoR, infoW, err := pipe()
	if err != nil {
		return nil, err
	}
	blockR, blockW, err := pipe()
	if err != nil {
		return nil, err
	}
	tmpMB := cfg.TmpMB
	if tmpMB <= 0 {
		tmpMB = 64
	}
	args := []string{"--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1",
		"--uid", "65534", "--gid", "65534", "--hostname", "mamoc",
		"--ro-bind-fd", "5", "/", "--size", strconv.Itoa(tmpMB << 20), "--tmpfs", "/tmp",
		"--proc", "/proc", "--dev", "/dev", "--chdir", "/", "--cap-drop", "ALL",
	}
	files := []*os.File{protoInR, protoOutW, root}
	for _, r := range secR {
		args = append(args, "--add-seccomp-fd", strconv.Itoa(3+len(files)))
		files = append(files, r)
	}
	args = append(args, "--info-fd", strconv.Itoa(3+len(files)), "--block-fd", strconv.Itoa(4+len(files)), "--")
	files = append(files, infoW, blockR)
	args = append(args, cfg.Argv...)
	cpu := int64(cfg.CPUTime / time.Second)
	if cpu <= 0 {
		cpu = 1 << 30
	}
	// rlimits are set by prlimit(1) on itself before it execs bwrap: this host's root may lack
	// CAP_SYS_RESOURCE, which prlimit(2) on another uid's process needs.
	rl := []string{"--nofile=1024:1024", fmt.Sprintf("--fsize=%d:%d", tmpMB<<20, tmpMB<<20),
		fmt.Sprintf("--cpu=%d:%d", cpu, cpu), "--core=0:0", "--nproc=16384:16384", "--", d.cfg.Bwrap}
	cmd := exec.Command(d.prlimit, append(rl, args...)...)
	cmd.Env = append([]string{"PATH=/jre/bin", "HOME=/tmp", "LANG=C.UTF-8"}, cfg.Env...)
	cmd.ExtraFiles = files
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Once bwrap has exited, stop waiting for its stderr after a while: a process that escaped
	// the kill must not hang Wait (and with it StopTask and Runtime.Close).
	cmd.WaitDelay = 3 * time.Second
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(d.cfg.HostUID), Gid: uint32(d.cfg.HostUID)}
	}
	if cfg.Stderr != nil {
		cmd.Stderr = cfg.Stderr
		cmd.Stdout = cfg.Stderr
	}
	markInheritedCloexec()
	t0 := time.Now()
	cg, err := sandbox.NewCgroup(d.cfg.CgroupRoot, d.cfg.CgroupParent, cfg.ID, cfg.MemoryMB, cfg.PidsMax, cfg.CPUs)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cg.Remove()
		return nil, fmt.Errorf("start bwrap: %w", err)
	}
	t := &task{Exit: sandbox.Watch(cmd.Wait), id: cfg.ID, cmd: cmd, cg: cg, d: d}
	// the parent keeps protoInW, protoOutR, infoR and blockW; the child has its copies
	closers = closers[:0]
	for _, f := range append(files, infoR, blockW) {
		if f != infoR && f != blockW && f != root {
			_ = f.Close()
		}
	}
	defer func() { _ = infoR.Close() }()
	defer func() { _ = blockW.Close() }()
	fail := func(err error) (*unikernel.TaskHandle, error) {
		_ = protoInW.Close()
		_ = protoOutR.Close()
		// Release a sandbox still blocked on --block-fd: until it sees EOF there it lives on
		// and holds its stderr, and cmd.Wait would wait for that pipe forever.
		_ = blockW.Close()
		_ = infoR.Close()
		t.Kill()
		<-t.Done()
		t.Cleanup()
		return nil, err
	}
	tStart := time.Now()
	pid, err := readChildPid(ctx, infoR)
	if err != nil {
		return fail(fmt.Errorf("bwrap info: %w", err))
	}
	t.child = pid
	if err := cg.Add(pid); err != nil {
		return fail(err)
	}
	d.tasks.Add(cfg.ID, t)
	d.log.Debug("sandbox ready", "id", cfg.ID, "cgroup", tStart.Sub(t0), "bwrap", time.Since(tStart))
	if _, err := blockW.Write([]byte{1}); err != nil {
		_ = protoInW.Close()
		_ = protoOutR.Close()
		_ = d.StopTask(context.Background(), cfg.ID)
		return nil, fmt.Errorf("release sandbox: %w", err)
	}
	return &unikernel.TaskHandle{ID: cfg.ID, Pid: pid, Conn: &sandbox.Conn{R: protoOutR, W: protoInW}, StartedAt: time.Now()}, nil
}

func readChildPid(ctx context.Context, r *os.File) (int, error) {
	type res struct {
		pid int
		err error
	}
	ch := make(chan res, 1)
	go func() {
		var info struct {
			ChildPid int `json:"child-pid"`
		}
		dec := json.NewDecoder(bufio.NewReader(r))
		err := dec.Decode(&info)
		if err == nil && info.ChildPid <= 0 {
			err = errors.New("no child-pid")
		}
		ch <- res{info.ChildPid, err}
	}()
	select {
	case x := <-ch:
		return x.pid, x.err
	case <-ctx.Done():
		_ = r.Close()
		return 0, ctx.Err()
	}
}

// markInheritedCloexec sets close-on-exec on every descriptor above 2 that lacks it. Go opens its
// own files close-on-exec, so such descriptors were inherited from the server's parent; without
// this, exec.Cmd would hand them on to bwrap and into the guest.
func markInheritedCloexec() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags|unix.FD_CLOEXEC)
		}
	}
}
