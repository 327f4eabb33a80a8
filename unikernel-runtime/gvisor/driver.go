package gvisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

var (
	_ unikernel.Driver       = (*Driver)(nil)
	_ unikernel.DriverCloser = (*Driver)(nil)
	_ unikernel.AgentChannel = (*Driver)(nil)
)

// ErrNoTask means the task id is unknown (never started or already stopped); it matches
// unikernel.ErrNotFound.
var ErrNoTask = fmt.Errorf("gvisor: no such task: %w", unikernel.ErrNotFound)

// capabilities are the driver's static abilities.
var capabilities = unikernel.Capabilities{Isolation: "application-kernel", MemoryLimit: true, CPUAccount: true, Network: false}

// Platform values for Config.Platform.
const (
	PlatformAuto    = ""        // KVM when a bounded probe boot succeeds, else systrap when this runsc boots it, else ptrace
	PlatformPtrace  = "ptrace"  // no hardware virtualisation needed; each system call costs a ptrace stop
	PlatformSystrap = "systrap" // runsc from 2023 on: system calls trapped by seccomp in the guest, no ptrace stop
	PlatformKVM     = "kvm"     // needs a working /dev/kvm
)

// Config configures the driver.
type Config struct {
	// Runsc is the runsc binary; default "runsc" on PATH.
	Runsc string `json:"runsc"`
	// StateDir holds runsc's state (--root) and the instances' OCI bundles; default /run/mamoc/gvisor.
	StateDir string `json:"state_dir"`
	// Platform is the gVisor platform: "" (auto: kvm if a probe boot succeeds, else systrap if
	// one does, else ptrace), "ptrace", "systrap" or "kvm".
	Platform string `json:"platform"`
	// ProbeTimeout bounds the KVM probe boot; a probe that hangs longer means KVM is unavailable; default 5s.
	ProbeTimeout time.Duration `json:"probe_timeout"`
	// GuestUID is the uid (and gid) the agent runs as inside the sandbox; default 65534 (nobody).
	GuestUID int `json:"guest_uid"`
	// CgroupRoot is the cgroup v1 mount point; default /sys/fs/cgroup.
	CgroupRoot string `json:"cgroup_root"`
	// CgroupParent is the directory created under each controller; default "mamoc-gvisor".
	CgroupParent string `json:"cgroup_parent"`
	// FingerprintInterval is how often the fingerprint is refreshed; default 1m.
	FingerprintInterval time.Duration `json:"fingerprint_interval"`
	// Logger receives the driver's logs; nil discards them.
	Logger *slog.Logger `json:"-"`
}

func (c *Config) setDefaults() {
	if c.Runsc == "" {
		c.Runsc = "runsc"
	}
	if c.StateDir == "" {
		c.StateDir = "/run/mamoc/gvisor"
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = 5 * time.Second
	}
	if c.GuestUID == 0 {
		c.GuestUID = 65534
	}
	if c.CgroupRoot == "" {
		c.CgroupRoot = "/sys/fs/cgroup"
	}
	if c.CgroupParent == "" {
		c.CgroupParent = "mamoc-gvisor"
	}
	if c.FingerprintInterval == 0 {
		c.FingerprintInterval = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports configuration errors.
func (c *Config) Validate() error {
	switch c.Platform {
	case PlatformAuto, PlatformPtrace, PlatformSystrap, PlatformKVM:
	default:
		return errors.New(`platform must be "", "ptrace", "systrap" or "kvm"`)
	}
	if c.GuestUID < 0 {
		return errors.New("guest_uid must not be negative")
	}
	if c.ProbeTimeout < 0 {
		return errors.New("probe_timeout must not be negative")
	}
	return nil
}

// Driver runs each instance in its own runsc sandbox.
type Driver struct {
	cfg Config
	log *slog.Logger

	tasks *sandbox.Tasks[*task]

	sweepOnce sync.Once // the first StartTask sweeps what killed servers left behind
}

// New returns a gVisor driver. It does not look for runsc: a host without it fingerprints as undetected.
func New(cfg Config) (*Driver, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Driver{cfg: cfg, log: cfg.Logger.With("component", "unikernel.gvisor"), tasks: sandbox.NewTasks[*task](ErrNoTask)}, nil
}

// Capabilities returns the driver's static abilities.
func (d *Driver) Capabilities() unikernel.Capabilities { return capabilities }

// AgentEndpoints puts the agent's channel on the container's stdin and stdout: runsc donates only
// stdio to the sandbox.
func (d *Driver) AgentEndpoints() unikernel.AgentEndpoints { return unikernel.AgentEndpoints{} }

// Fingerprint probes the host now and then every FingerprintInterval until ctx ends.
func (d *Driver) Fingerprint(ctx context.Context) (<-chan unikernel.Fingerprint, error) {
	return sandbox.Fingerprints(ctx, d.cfg.FingerprintInterval, d.probe), nil
}

// StopTask kills the sandbox, waits for runsc and removes the bundle, state and cgroups; unknown ids are fine.
func (d *Driver) StopTask(ctx context.Context, id string) error { return d.tasks.Stop(ctx, id) }

// WaitTask waits for the sandbox to exit.
func (d *Driver) WaitTask(ctx context.Context, id string) (unikernel.ExitResult, error) {
	return d.tasks.Wait(ctx, id)
}

// InspectTask returns the CPU and memory use of the whole sandbox (Sentry, Gofer and guest).
func (d *Driver) InspectTask(id string) (unikernel.TaskUsage, error) { return d.tasks.Inspect(id) }

// Close stops every task.
func (d *Driver) Close() error {
	d.tasks.Close()
	return nil
}
