package process

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
)

// cgroupControllers are the cgroup v1 controllers an instance's leaf is created in.
var cgroupControllers = []string{"memory", "pids", "cpuacct", "cpu"}

// cgroup is one instance's leaf in each available controller.
type cgroup struct {
	dirs map[string]string // controller → leaf directory

	cpuOnce sync.Once
	cpuFile *os.File // cpuacct.usage, kept open: read at every call's start
	cpuErr  error
}

func (d *Driver) controllerOK(ctrl string) bool {
	p := filepath.Join(d.cfg.CgroupRoot, ctrl)
	return fileExists(filepath.Join(p, "cgroup.procs")) && syscall.Access(p, 2) == nil
}

func newCgroup(d *Driver, id string, memMB, pids int, cpus float64) (*cgroup, error) {
	cg := &cgroup{dirs: map[string]string{}}
	for _, c := range cgroupControllers {
		if !d.controllerOK(c) {
			continue
		}
		dir := filepath.Join(d.cfg.CgroupRoot, c, d.cfg.CgroupParent, id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			cg.remove()
			return nil, fmt.Errorf("cgroup %s: %w", c, err)
		}
		cg.dirs[c] = dir
	}
	if dir, ok := cg.dirs["memory"]; ok && memMB > 0 {
		b := strconv.Itoa(memMB << 20)
		if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(b), 0); err != nil {
			cg.remove()
			return nil, fmt.Errorf("cgroup memory limit: %w", err)
		}
		_ = os.WriteFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), []byte(b), 0)
		_ = os.WriteFile(filepath.Join(dir, "memory.swappiness"), []byte("0"), 0)
	}
	if dir, ok := cg.dirs["pids"]; ok && pids > 0 {
		if err := os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.Itoa(pids)), 0); err != nil {
			cg.remove()
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

func (cg *cgroup) add(pid int) error {
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

func (cg *cgroup) cpu() (time.Duration, error) {
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

func (cg *cgroup) memory() (uint64, int, error) {
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
	if f, err := readInt(filepath.Join(dir, "memory.failcnt")); err == nil && f > 0 && ooms == 0 {
		_ = f // failcnt counts reclaim attempts too; only oom_kill is an OOM
	}
	return uint64(n), ooms, nil
}

// remove kills anything left in the leaves and removes them.
func (cg *cgroup) remove() {
	cg.cpuOnce.Do(func() {}) // no open after remove
	if cg.cpuFile != nil {
		_ = cg.cpuFile.Close()
	}
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
		_ = os.Remove(dir)
	}
}
