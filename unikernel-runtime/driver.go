package unikernel

import (
	"context"
	"io"
	"time"
)

// Driver boots and stops instances ("tasks" in driver terms) of the base image.
// The Runtime speaks the agent protocol over TaskHandle.Conn; a driver only provides the isolation.
type Driver interface {
	// Capabilities returns the driver's static abilities.
	Capabilities() Capabilities
	// Fingerprint returns a channel of live fingerprints, refreshed until ctx ends; the first one comes at once.
	Fingerprint(ctx context.Context) (<-chan Fingerprint, error)
	// StartTask boots one instance running the agent and returns once it is started (not yet answering).
	StartTask(ctx context.Context, cfg TaskConfig) (*TaskHandle, error)
	// StopTask kills the instance and releases its resources; it is idempotent.
	StopTask(ctx context.Context, id string) error
	// WaitTask blocks until the instance exits or ctx ends. An unknown id is ErrNotFound.
	WaitTask(ctx context.Context, id string) (ExitResult, error)
	// InspectTask returns the instance's resource usage. An unknown id is ErrNotFound.
	InspectTask(id string) (TaskUsage, error)
}

// DriverCloser is implemented by drivers holding resources beyond their tasks.
type DriverCloser interface {
	Close() error
}

// AgentChannel is implemented by drivers whose guest reaches the agent's channel somewhere other
// than fds 3 and 4: the container's stdio (gvisor), a serial line or a socket (a VM). Without it the
// runtime starts the agent on fds 3 and 4 and TaskHandle.Conn carries the frames either way.
type AgentChannel interface {
	// AgentEndpoints returns where, inside the guest, the agent reads requests and writes replies.
	AgentEndpoints() AgentEndpoints
}

// AgentEndpoints are guest paths of the agent's channel; "" means the agent's own stdin (In) or stdout (Out).
type AgentEndpoints struct {
	In  string
	Out string
}

// agentArgv is the agent's command line for drv's guests.
func agentArgv(im *Image, drv Driver, memMB int) []string {
	if c, ok := drv.(AgentChannel); ok {
		return im.AgentArgvAt(memMB, c.AgentEndpoints())
	}
	return im.AgentArgv(memMB)
}

// Capabilities are a driver's static abilities.
type Capabilities struct {
	Isolation   string // "namespaces", "application-kernel" (gVisor), "vm", "none"
	MemoryLimit bool   // enforces TaskConfig.MemoryMB outside the guest
	CPUAccount  bool   // reports CPU usage in InspectTask
	Network     bool   // the guest can reach the network
}

// Health is a driver's fingerprint health.
type Health string

// Health values.
const (
	HealthHealthy    Health = "healthy"
	HealthDegraded   Health = "degraded"   // runs, but with weaker isolation (see Attributes)
	HealthUndetected Health = "undetected" // the backend is absent on this host
)

// Fingerprint is a driver's live description of the host.
type Fingerprint struct {
	Health      Health
	Description string
	Attributes  map[string]string
	// Missing lists isolation features the host lacks (e.g. "cgroup.memory", "seccomp").
	Missing []string
}

// TaskConfig describes one instance to boot.
type TaskConfig struct {
	ID       string
	Group    string   // the isolation group (Call.Group) the instance serves
	RootFS   string   // the image's root file system (read-only inside)
	Argv     []string // command inside RootFS, e.g. /jre/bin/java ... mamoc.agent.Agent; it speaks on fds 3 (in) and 4 (out), or at the driver's AgentChannel endpoints
	Env      []string
	MemoryMB int           // memory limit of the whole instance
	PidsMax  int           // task (thread) limit
	CPUs     float64       // CPU quota in cores (cgroup cpu.cfs_quota_us); 0 = unlimited
	CPUTime  time.Duration // lifetime CPU backstop (RLIMIT_CPU)
	TmpMB    int           // size of the private /tmp
	Stderr   io.Writer     // receives the instance's own stderr (JVM messages); may be nil
}

// TaskHandle is a started instance.
type TaskHandle struct {
	ID        string
	Pid       int                // host pid of the guest's main process, 0 if unknown
	Conn      io.ReadWriteCloser // the agent's framed protocol: writes reach guest fd 3, reads come from guest fd 4
	StartedAt time.Time
}

// ExitResult is how an instance ended.
type ExitResult struct {
	ExitCode  int
	Signal    int
	OOMKilled bool
}

// TaskUsage is an instance's resource use.
type TaskUsage struct {
	CPU         time.Duration
	MemoryBytes uint64
	OOMKills    int
}
