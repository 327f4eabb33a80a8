package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/load"
	"github.com/shirou/gopsutil/v3/mem"
)

// Stats is one sample of the server's resources, published on the stats topic.
type Stats struct {
	// CPUPowerMHz is the maximum clock in MHz times the number of logical cores (MAMoC's cpu).
	CPUPowerMHz float64
	// MemTotalMB is the total memory in MB (10^6 bytes), MAMoC's mem.
	MemTotalMB int64
	// BatteryPercent is the battery charge in percent, or -1 when there is no battery.
	BatteryPercent int
	// Charging is true when a battery is present and charging.
	Charging bool
	// CPUPercent is the CPU utilisation over the last period, 0–100.
	CPUPercent float64
	// Load1, Load5 and Load15 are the load averages.
	Load1, Load5, Load15 float64
	// MemFreeMB is the available memory in MB.
	MemFreeMB int64
	// Cores is the number of logical cores.
	Cores int
	// Runtime holds the runtime's queue and instance counts.
	Runtime RuntimeCounts
	// Uptime is how long the server has been running.
	Uptime time.Duration
}

// RuntimeCounts are the offloading runtime's live counts.
type RuntimeCounts struct {
	Queued  int // calls waiting for an instance
	Running int // calls executing
	Warm    int // idle warm instances
}

// sampler takes Stats samples with gopsutil.
type sampler struct {
	start   time.Time
	counts  func() RuntimeCounts
	battery string // /sys/class/power_supply

	mu       sync.Mutex // guards maxMHz, cores, lastBusy and lastAll
	maxMHz   float64
	cores    int
	lastBusy float64
	lastAll  float64
}

func newSampler(counts func() RuntimeCounts) *sampler {
	return &sampler{start: time.Now(), counts: counts, battery: "/sys/class/power_supply"}
}

func (s *sampler) sample(ctx context.Context) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cores == 0 {
		s.cores, _ = cpu.CountsWithContext(ctx, true)
		if infos, err := cpu.InfoWithContext(ctx); err == nil {
			for _, in := range infos {
				if in.Mhz > s.maxMHz {
					s.maxMHz = in.Mhz
				}
			}
		}
		if mhz := maxFreqMHz(); mhz > s.maxMHz {
			s.maxMHz = mhz
		}
	}
	st := Stats{Cores: s.cores, CPUPowerMHz: s.maxMHz * float64(s.cores), BatteryPercent: -1, Uptime: time.Since(s.start)}
	if times, err := cpu.TimesWithContext(ctx, false); err == nil && len(times) == 1 {
		t := times[0]
		all := t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
		busy := all - t.Idle - t.Iowait
		if d := all - s.lastAll; s.lastAll > 0 && d > 0 {
			st.CPUPercent = 100 * (busy - s.lastBusy) / d
		}
		s.lastAll, s.lastBusy = all, busy
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		st.MemTotalMB = int64(vm.Total / 1e6)
		st.MemFreeMB = int64(vm.Available / 1e6)
	}
	if la, err := load.AvgWithContext(ctx); err == nil {
		st.Load1, st.Load5, st.Load15 = la.Load1, la.Load5, la.Load15
	}
	st.BatteryPercent, st.Charging = readBattery(s.battery)
	if s.counts != nil {
		st.Runtime = s.counts()
	}
	return st
}

// maxFreqMHz reads the highest cpufreq maximum, 0 when the kernel does not expose it.
func maxFreqMHz() float64 {
	files, _ := filepath.Glob("/sys/devices/system/cpu/cpu*/cpufreq/cpuinfo_max_freq")
	var best float64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if khz, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil && khz/1000 > best {
			best = khz / 1000
		}
	}
	return best
}

// readBattery returns the charge of the first battery under dir and whether it charges, or
// -1 when there is none.
func readBattery(dir string) (int, bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return -1, false
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		typ, _ := os.ReadFile(filepath.Join(p, "type"))
		if strings.TrimSpace(string(typ)) != "Battery" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(p, "capacity"))
		if err != nil {
			continue
		}
		pct, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			continue
		}
		status, _ := os.ReadFile(filepath.Join(p, "status"))
		return pct, strings.TrimSpace(string(status)) == "Charging"
	}
	return -1, false
}
