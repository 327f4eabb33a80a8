package gvisor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

// cloneThread is CLONE_THREAD: a clone without it creates a process.
const cloneThread = 0x10000

// seccompPolicy is the OCI seccomp filter runsc --oci-seccomp installs inside the Sentry: it denies
// sandbox.DeniedSyscalls (the Sentry emulates most of them anyway; denying them keeps both
// drivers' guests equally able) and every clone that does not create a thread (EPERM). The Sentry of this
// generation answers clone3 with ENOSYS itself, so libc falls back to the filtered clone; the
// filter leaves clone3 alone because this runsc ignores errnoRet (a denied clone3 would be EPERM,
// which libc does not fall back from).
func seccompPolicy() *specs.LinuxSeccomp {
	eperm := uint(1)
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{
			{Names: sandbox.DeniedSyscalls, Action: specs.ActErrno, ErrnoRet: &eperm},
			{Names: []string{"clone"}, Action: specs.ActErrno, ErrnoRet: &eperm,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: cloneThread, ValueTwo: 0, Op: specs.OpMaskedEqual}}},
		},
	}
}

// hostPids is the host pids limit of a sandbox whose guest may run guestPids tasks. Guest threads
// are the Sentry's goroutines, not host threads, so the host limit is a backstop for the Sentry,
// the Gofer and the ptrace stubs; the guest's own limit is RLIMIT_NPROC, which the Sentry enforces.
func hostPids(guestPids int) int {
	if guestPids <= 0 {
		return 0
	}
	return guestPids + 512
}

// bundleSpec is the OCI runtime spec of one instance.
func (d *Driver) bundleSpec(cfg unikernel.TaskConfig) *specs.Spec {
	tmpMB := cfg.TmpMB
	if tmpMB <= 0 {
		tmpMB = 64
	}
	cpu := uint64(cfg.CPUTime / time.Second)
	if cpu == 0 {
		cpu = 1 << 30
	}
	uid := uint32(d.cfg.GuestUID)
	rootfs, err := filepath.Abs(cfg.RootFS) // a relative root would be taken from the bundle
	if err != nil {
		rootfs = cfg.RootFS
	}
	res := &specs.LinuxResources{}
	if cfg.MemoryMB > 0 {
		limit, swappiness := int64(cfg.MemoryMB)<<20, uint64(0)
		res.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &limit, Swappiness: &swappiness}
	}
	if cfg.PidsMax > 0 {
		res.Pids = &specs.LinuxPids{Limit: int64(hostPids(cfg.PidsMax))}
	}
	if cfg.CPUs > 0 {
		period := uint64(100000)
		quota := int64(cfg.CPUs * float64(period))
		res.CPU = &specs.LinuxCPU{Period: &period, Quota: &quota}
	}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User:            specs.User{UID: uid, GID: uid},
			Args:            cfg.Argv,
			Env:             append([]string{"PATH=/jre/bin", "HOME=/tmp", "LANG=C.UTF-8"}, cfg.Env...),
			Cwd:             "/",
			NoNewPrivileges: true,
			Capabilities:    &specs.LinuxCapabilities{},
			Rlimits: []specs.POSIXRlimit{
				{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024},
				{Type: "RLIMIT_FSIZE", Hard: uint64(tmpMB) << 20, Soft: uint64(tmpMB) << 20},
				{Type: "RLIMIT_CPU", Hard: cpu, Soft: cpu},
				{Type: "RLIMIT_CORE"},
				{Type: "RLIMIT_NPROC", Hard: uint64(max(cfg.PidsMax, 0)), Soft: uint64(max(cfg.PidsMax, 0))},
			},
		},
		Root:     &specs.Root{Path: rootfs, Readonly: true},
		Hostname: "mamoc",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=755"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs",
				Options: []string{"nosuid", "nodev", "noexec", "mode=1777", "size=" + strconv.Itoa(tmpMB) + "m"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			CgroupsPath: "/" + d.cfg.CgroupParent + "/" + cfg.ID,
			Resources:   res,
			Seccomp:     seccompPolicy(),
		},
	}
}

// writeBundle writes the instance's bundle (config.json) into dir.
func writeBundle(dir string, spec *specs.Spec) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	b, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}
