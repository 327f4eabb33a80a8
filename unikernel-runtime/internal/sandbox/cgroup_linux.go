package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Controllers are the cgroup v1 controllers an instance's leaf is created in.
var Controllers = []string{"memory", "pids", "cpuacct", "cpu"}

// ControllerOK reports whether controller ctrl is mounted under root and writable.
func ControllerOK(root, ctrl string) bool {
	p := filepath.Join(root, ctrl)
	_, err := os.Stat(filepath.Join(p, "cgroup.procs"))
	return err == nil && syscall.Access(p, 2) == nil
}

// Cgroup is one instance's leaf in each available controller.
type Cgroup struct {
	dirs map[string]string // controller → leaf directory

	cpuOnce sync.Once // guards opening cpuFile (once, never after Remove)
	cpuFile *os.File  // cpuacct.usage, kept open: read at every call's start
	cpuErr  error     // of opening cpuFile
}

// NewCgroup creates the leaf root/<controller>/parent/id in every available controller with its
// limits: memMB MiB of memory (without swap), pids tasks and cpus CPUs of CFS quota; a limit ≤ 0
// is not set.
func NewCgroup(root, parent, id string, memMB, pids int, cpus float64) (*Cgroup, error) {
	cg := &Cgroup{dirs: map[string]string{}}
	for _, c := range Controllers {
		if !ControllerOK(root, c) {
			continue
		}
		dir := filepath.Join(root, c, parent, id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			cg.Remove()
			return nil, fmt.Errorf("cgroup %s: %w", c, err)
		}
		cg.dirs[c] = dir
	}
	if dir, ok := cg.dirs["memory"]; ok && memMB > 0 {
		b := strconv.Itoa(memMB << 20)
		if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(b), 0); err != nil {
			cg.Remove()
			return nil, fmt.Errorf("cgroup memory limit: %w", err)
		}
		_ = os.WriteFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), []byte(b), 0)
		_ = os.WriteFile(filepath.Join(dir, "memory.swappiness"), []byte("0"), 0)
	}
	if dir, ok := cg.dirs["pids"]; ok && pids > 0 {
		if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.Itoa(pids)), 0); err != nil {
			cg.Remove()
			return nil, fmt.Errorf("cgroup pids limit: %w", err)
		}
	}
	if dir, ok := cg.dirs["cpu"]; ok && cpus > 0 {
		period := 100000
		if err := os.WriteFile(filepath.Join(dir, "cpu.cfs_period_us"), []byte(strconv.Itoa(period)), 0); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "cpu.cfs_quota_us"), []byte(strconv.Itoa(int(cpus*float64(period)))), 0)
		}
	}
	return cg, nil
}

// Add moves process pid into every leaf.
func (cg *Cgroup) Add(pid int) error {
	for c, dir := range cg.dirs {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("cgroup %s add %d: %w", c, pid, err)
		}
	}
	return nil
}

func readInt(p string) (int64, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// CPU returns the CPU time the leaves account: one read of the kept-open cpuacct.usage. It
// fails when cg is nil or has no cpuacct leaf.
func (cg *Cgroup) CPU() (time.Duration, error) {
	if cg == nil {
		return 0, errors.New("no cgroup")
	}
	dir, ok := cg.dirs["cpuacct"]
	if !ok {
		return 0, errors.New("no cpuacct cgroup")
	}
	cg.cpuOnce.Do(func() { cg.cpuFile, cg.cpuErr = os.Open(filepath.Join(dir, "cpuacct.usage")) })
	if cg.cpuErr != nil {
		return 0, cg.cpuErr
	}
	var buf [32]byte
	n, err := cg.cpuFile.ReadAt(buf[:], 0)
	if n == 0 && err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(buf[:n])), 10, 64)
	return time.Duration(v), err
}

// memory returns the leaf's memory use in bytes and its OOM kills (oom_kill; failcnt counts
// reclaim attempts too, so it is no OOM count).
func (cg *Cgroup) memory() (uint64, int, error) {
	dir, ok := cg.dirs["memory"]
	if !ok {
		return 0, 0, errors.New("no memory cgroup")
	}
	n, err := readInt(filepath.Join(dir, "memory.usage_in_bytes"))
	if err != nil {
		return 0, 0, err
	}
	ooms := 0
	if b, err := os.ReadFile(filepath.Join(dir, "memory.oom_control")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
				ooms, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
	}
	return uint64(n), ooms, nil
}

// Usage returns the CPU time, memory and OOM kills the leaves account; ok is false when cg is
// nil or has no CPU accounting.
func (cg *Cgroup) Usage() (u unikernel.TaskUsage, ok bool) {
	c, err := cg.CPU()
	if err != nil {
		return u, false
	}
	u.CPU = c
	if m, ooms, err := cg.memory(); err == nil {
		u.MemoryBytes, u.OOMKills = m, ooms
	}
	return u, true
}

// KillAll kills every process in the leaves until they are empty.
func (cg *Cgroup) KillAll() {
	for _, dir := range cg.dirs {
		for i := 0; i < 50; i++ {
			b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			pids := strings.Fields(string(b))
			if len(pids) == 0 {
				break
			}
			for _, p := range pids {
				if n, err := strconv.Atoi(p); err == nil {
					_ = syscall.Kill(n, syscall.SIGKILL)
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// Remove closes cpuacct.usage, kills anything left in the leaves and removes them.
func (cg *Cgroup) Remove() {
	cg.cpuOnce.Do(func() {}) // no open after Remove
	if cg.cpuFile != nil {
		_ = cg.cpuFile.Close()
	}
	cg.KillAll()
	for _, dir := range cg.dirs {
		_ = os.Remove(dir)
	}
}
