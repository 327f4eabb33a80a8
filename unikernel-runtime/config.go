package unikernel

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"time"
)

// Limits bounds one call. A zero field means "the configured default".
type Limits struct {
	// WallTime is the wall-clock limit of a call; default 30s.
	WallTime time.Duration `json:"wall_time"`
	// CPUTime is the CPU-time limit of a call (all threads); default 60s.
	CPUTime time.Duration `json:"cpu_time"`
	// MemoryMB is the memory limit of the instance running the call, in MiB; default 256.
	MemoryMB int `json:"memory_mb"`
	// OutputBytes bounds the task's stdout+stderr and its result, each; default 1 MiB.
	OutputBytes int `json:"output_bytes"`
}

// Config configures a Runtime.
type Config struct {
	// Driver names the registered driver; default "process".
	Driver string `json:"driver"`
	// ImageDir caches built base images, one subdirectory per content hash;
	// default /var/cache/mamoc/images when run as root, else os.UserCacheDir()/mamoc/images.
	ImageDir string `json:"image_dir"`
	// JavaHome is the JDK used to build the image (jlink, javac); default $JAVA_HOME, else the one of `javac` on PATH.
	JavaHome string `json:"java_home"`
	// MinWarm is the number of idle instances kept per isolation group (Call.Group) once it has run; default 1 (negative means 0).
	MinWarm int `json:"min_warm"`
	// Spare is the number of booted instances not yet bound to any group; default 1 (negative means 0).
	Spare int `json:"spare"`
	// MaxPerApp bounds the instances of one group (and so its concurrent calls, at most
	// MaxPerApp × InstanceConcurrency); default the number of cores, at least 2, at most MaxInstances.
	MaxPerApp int `json:"max_per_app"`
	// InstanceConcurrency is how many calls of its group one instance runs at once (each with its
	// own output capture and limits); default 4; 1 runs one call at a time.
	InstanceConcurrency int `json:"instance_concurrency"`
	// MaxInstances bounds all instances; default half the machine's memory divided by
	// Limits.MemoryMB, at most max(8, 4 × cores), at least 2.
	MaxInstances int `json:"max_instances"`
	// MaxConcurrent bounds calls running at once over all groups; default 4 × cores, at least 4,
	// at most MaxInstances × InstanceConcurrency.
	MaxConcurrent int `json:"max_concurrent"`
	// QueueLen bounds calls waiting for a slot; beyond it calls fail with ErrBusy; one owner
	// holds at most half of it; default 1024.
	QueueLen int `json:"queue_len"`
	// IdleTimeout stops instances idle longer than this (above MinWarm); default 5m.
	IdleTimeout time.Duration `json:"idle_timeout"`
	// MaxCallsPerInstance recycles an instance after this many calls; default 0: never. An
	// instance is recycled on a breach or a crash during a call, and, while idle and replaced by a
	// fresh one first, at MaxAge or beyond RecycleMemoryPercent.
	MaxCallsPerInstance int `json:"max_calls_per_instance"`
	// MaxAge recycles an idle instance older than this; default 30m.
	MaxAge time.Duration `json:"max_age"`
	// RecycleMemoryPercent recycles an idle instance using more than this percentage of its
	// memory limit (memory growth: leaks, caches held in static fields); default 80.
	RecycleMemoryPercent int `json:"recycle_memory_percent"`
	// BootTimeout bounds the start of one instance; default 20s.
	BootTimeout time.Duration `json:"boot_timeout"`
	// CompileTimeout bounds one Compile; default 60s.
	CompileTimeout time.Duration `json:"compile_timeout"`
	// InstanceCPUs is the CPU quota of one instance in cores; default the machine's cores
	// (negative means unlimited). A quota of one core throttles a warm JVM whose compiler and GC
	// threads run beside the task (3× slower NQueens(14) in our benchmark); each call's CPU time
	// is bounded by Limits.CPUTime whatever the quota.
	InstanceCPUs float64 `json:"instance_cpus"`
	// Limits are the default per-call limits.
	Limits Limits `json:"limits"`
	// MaxLimits bound per-call overrides; default 5m wall, 5m CPU, 1024 MiB, 16 MiB output.
	MaxLimits Limits `json:"max_limits"`
	// AllowWeakIsolation lets the runtime start on a driver whose fingerprint lacks isolation features.
	AllowWeakIsolation bool `json:"allow_weak_isolation"`
	// Logger receives the runtime's logs; nil discards them.
	Logger *slog.Logger `json:"-"`
}

func (c *Config) setDefaults() {
	if c.Driver == "" {
		c.Driver = "process"
	}
	if c.ImageDir == "" {
		c.ImageDir = DefaultImageDir()
	}
	if c.JavaHome == "" {
		c.JavaHome = os.Getenv("JAVA_HOME")
	}
	def := Limits{WallTime: 30 * time.Second, CPUTime: 60 * time.Second, MemoryMB: 256, OutputBytes: 1 << 20}
	ceiling := Limits{WallTime: 5 * time.Minute, CPUTime: 5 * time.Minute, MemoryMB: 1024, OutputBytes: 16 << 20}
	c.MaxLimits = c.MaxLimits.or(ceiling)
	c.Limits = c.Limits.or(def)
	if c.MinWarm == 0 {
		c.MinWarm = 1
	}
	if c.MinWarm < 0 {
		c.MinWarm = 0
	}
	if c.Spare == 0 {
		c.Spare = 1
	}
	if c.Spare < 0 {
		c.Spare = 0
	}
	if c.InstanceConcurrency <= 0 {
		c.InstanceConcurrency = 4
	}
	c.setMachineDefaults(goruntime.NumCPU(), machineMemoryMB())
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 5 * time.Minute
	}
	if c.MaxAge == 0 {
		c.MaxAge = 30 * time.Minute
	}
	if c.RecycleMemoryPercent == 0 {
		c.RecycleMemoryPercent = 80
	}
	if c.BootTimeout == 0 {
		c.BootTimeout = 20 * time.Second
	}
	if c.InstanceCPUs == 0 {
		c.InstanceCPUs = float64(goruntime.NumCPU())
	}
	if c.InstanceCPUs < 0 {
		c.InstanceCPUs = 0
	}
	if c.CompileTimeout == 0 {
		c.CompileTimeout = 60 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// setMachineDefaults derives the unset pool bounds from the machine's cores and memory (MiB, 0
// if unknown); explicit settings bound the derived ones.
func (c *Config) setMachineDefaults(cores, memMB int) {
	cores = max(cores, 1)
	if c.MaxInstances == 0 {
		c.MaxInstances = max(8, 4*cores)
		if memMB > 0 && c.Limits.MemoryMB > 0 {
			c.MaxInstances = min(c.MaxInstances, memMB/2/c.Limits.MemoryMB)
		}
		c.MaxInstances = max(c.MaxInstances, 2)
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = min(max(4, 4*cores), c.MaxInstances*c.InstanceConcurrency)
	}
	if c.MaxPerApp == 0 {
		c.MaxPerApp = min(max(2, cores), c.MaxInstances)
	}
	if c.QueueLen == 0 {
		c.QueueLen = 1024
	}
}

// WithDefaults returns a copy of c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}

// DefaultImageDir is the default Config.ImageDir: /var/cache/mamoc/images as root, else os.UserCacheDir()/mamoc/images.
func DefaultImageDir() string {
	if os.Geteuid() == 0 {
		return "/var/cache/mamoc/images"
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "mamoc", "images")
}

// Validate reports configuration errors.
func (c *Config) Validate() error {
	var errs []error
	if c.MaxPerApp < 1 || c.MaxInstances < 1 || c.MaxConcurrent < 1 || c.QueueLen < 0 {
		errs = append(errs, errors.New("max_per_app, max_instances and max_concurrent must be positive"))
	}
	if c.MaxCallsPerInstance < 0 || c.MaxAge < 0 || c.RecycleMemoryPercent < 0 || c.RecycleMemoryPercent > 100 {
		errs = append(errs, errors.New("max_calls_per_instance and max_age must not be negative, recycle_memory_percent within 0..100"))
	}
	if c.MaxConcurrent > c.MaxInstances*c.InstanceConcurrency {
		errs = append(errs, fmt.Errorf("max_concurrent %d exceeds max_instances %d × instance_concurrency %d",
			c.MaxConcurrent, c.MaxInstances, c.InstanceConcurrency))
	}
	if c.MinWarm > c.MaxPerApp {
		errs = append(errs, fmt.Errorf("min_warm %d exceeds max_per_app %d", c.MinWarm, c.MaxPerApp))
	}
	if c.Limits.MemoryMB < 64 || c.MaxLimits.MemoryMB < 64 {
		errs = append(errs, errors.New("memory limits must be at least 64 MiB"))
	}
	if c.Limits.exceeds(c.MaxLimits) {
		errs = append(errs, errors.New("limits exceed max_limits"))
	}
	return errors.Join(errs...)
}

func (l Limits) or(d Limits) Limits {
	if l.WallTime <= 0 {
		l.WallTime = d.WallTime
	}
	if l.CPUTime <= 0 {
		l.CPUTime = d.CPUTime
	}
	if l.MemoryMB <= 0 {
		l.MemoryMB = d.MemoryMB
	}
	if l.OutputBytes <= 0 {
		l.OutputBytes = d.OutputBytes
	}
	return l
}

func (l Limits) exceeds(m Limits) bool {
	return l.WallTime > m.WallTime || l.CPUTime > m.CPUTime || l.MemoryMB > m.MemoryMB || l.OutputBytes > m.OutputBytes
}

// clamp fills l from the defaults and bounds it by the maxima.
func (l Limits) clamp(def, ceiling Limits) Limits {
	l = l.or(def)
	l.WallTime = min(l.WallTime, ceiling.WallTime)
	l.CPUTime = min(l.CPUTime, ceiling.CPUTime)
	l.MemoryMB = min(l.MemoryMB, ceiling.MemoryMB)
	l.OutputBytes = min(l.OutputBytes, ceiling.OutputBytes)
	return l
}
