package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

var (
	_ unikernel.Driver    = (*Driver)(nil)
	_ unikernel.CPUReader = (*Driver)(nil)
)

// ErrNoTask means the task id is unknown (never started or already stopped); it matches
// unikernel.ErrNotFound.
var ErrNoTask = fmt.Errorf("process: no such task: %w", unikernel.ErrNotFound)

// capabilities are the driver's static abilities.
var capabilities = unikernel.Capabilities{Isolation: "namespaces", MemoryLimit: true, CPUAccount: true, Network: false}

// Config configures the driver.
type Config struct {
	// Bwrap is the bubblewrap binary; default "bwrap" on PATH.
	Bwrap string `json:"bwrap"`
	// HostUID is the host uid (and gid) instances run as when the server runs as root; default 65534 (nobody).
	HostUID int `json:"host_uid"`
	// CgroupRoot is the cgroup v1 mount point; default /sys/fs/cgroup.
	CgroupRoot string `json:"cgroup_root"`
	// CgroupParent is the directory created under each controller; default "mamoc".
	CgroupParent string `json:"cgroup_parent"`
	// FingerprintInterval is how often the fingerprint is refreshed; default 1m.
	FingerprintInterval time.Duration `json:"fingerprint_interval"`
	// Logger receives the driver's logs; nil discards them.
	Logger *slog.Logger `json:"-"`
}

func (c *Config) setDefaults() {
	if c.Bwrap == "" {
		c.Bwrap = "bwrap"
	}
	if c.HostUID == 0 {
		c.HostUID = 65534
	}
	if c.CgroupRoot == "" {
		c.CgroupRoot = "/sys/fs/cgroup"
	}
	if c.CgroupParent == "" {
		c.CgroupParent = "mamoc"
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
	if c.HostUID < 0 {
		return errors.New("host_uid must not be negative")
	}
	return nil
}

// Driver runs instances as sandboxed host processes.
type Driver struct {
	cfg Config
	log *slog.Logger

	prlimit string // path of prlimit(1), "" if absent

	tasks *sandbox.Tasks[*task]
}

// New returns a process driver.
func New(cfg Config) (*Driver, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Driver{cfg: cfg, log: cfg.Logger.With("component", "unikernel.process"), tasks: sandbox.NewTasks[*task](ErrNoTask)}
	d.prlimit, _ = exec.LookPath("prlimit")
	if p, err := exec.LookPath(cfg.Bwrap); err == nil {
		d.cfg.Bwrap = p
	}
	return d, nil
}

// Capabilities returns the driver's static abilities.
func (d *Driver) Capabilities() unikernel.Capabilities { return capabilities }

// Fingerprint probes the host now and then every FingerprintInterval until ctx ends.
func (d *Driver) Fingerprint(ctx context.Context) (<-chan unikernel.Fingerprint, error) {
	return sandbox.Fingerprints(ctx, d.cfg.FingerprintInterval, d.probe), nil
}

// StopTask kills the instance, waits for it and removes its cgroup; unknown ids are fine.
func (d *Driver) StopTask(ctx context.Context, id string) error { return d.tasks.Stop(ctx, id) }

// WaitTask waits for the instance to exit.
func (d *Driver) WaitTask(ctx context.Context, id string) (unikernel.ExitResult, error) {
	return d.tasks.Wait(ctx, id)
}

// InspectTask returns CPU and memory use from the instance's cgroup (or /proc without cgroups).
func (d *Driver) InspectTask(id string) (unikernel.TaskUsage, error) { return d.tasks.Inspect(id) }

// TaskCPU returns the CPU time the instance has used: one read of an open cgroup file.
func (d *Driver) TaskCPU(id string) (time.Duration, error) {
	t, err := d.tasks.Get(id)
	if err != nil {
		return 0, err
	}
	return t.cpu()
}

// Close stops every task.
func (d *Driver) Close() error {
	d.tasks.Close()
	return nil
}

// Pid returns the host pid of the instance's JVM, 0 if unknown.
func (d *Driver) Pid(id string) int {
	t, err := d.tasks.Get(id)
	if err != nil {
		return 0
	}
	return t.child
}
