package api

import (
	"time"

	"github.com/gammazero/nexus/v3/wamp"
)

// Stats is the stats event (TopicStats) and ProcStatsGet's result: MAMoC's positional args
// [cpu, mem, battery] and mamoc's kwargs with the live data.
type Stats struct {
	// CPUMHzTotal is the maximum clock in MHz times the number of logical cores (MAMoC's cpu).
	CPUMHzTotal float64
	// MemTotalMB is the total memory in MB (10^6 bytes), MAMoC's mem; sent as an integer.
	MemTotalMB float64
	// BatteryPercent is the battery charge in percent, -1 without a battery (MAMoC's
	// battery); sent as an integer.
	BatteryPercent float64
	// Charging is true when a battery is present and charging.
	Charging bool
	// CPUPercent is the CPU utilisation over the last period, 0–100.
	CPUPercent float64
	// Load1, Load5 and Load15 are the load averages.
	Load1, Load5, Load15 float64
	// MemFreeMB is the available memory in MB; sent as an integer.
	MemFreeMB float64
	// Cores is the number of logical cores.
	Cores int
	// QueueLength, RunningInstances and WarmInstances are the runtime's calls waiting, calls
	// running and idle warm instances.
	QueueLength, RunningInstances, WarmInstances int
	// ServerID and Version identify the server.
	ServerID, Version string
	// Site is the server's site name and SiteKind "edge" or "cloud"; "" from servers that do not
	// send them.
	Site, SiteKind string
	// Uptime is how long the server has been running.
	Uptime time.Duration
}

// Args returns MAMoC's positional shape [cpu, mem, battery].
func (s Stats) Args() wamp.List {
	return wamp.List{s.CPUMHzTotal, int64(s.MemTotalMB), int(s.BatteryPercent)}
}

// Kwargs returns the live data.
func (s Stats) Kwargs() wamp.Dict {
	return wamp.Dict{
		"cpu_percent":       s.CPUPercent,
		"load1":             s.Load1,
		"load5":             s.Load5,
		"load15":            s.Load15,
		"mem_total_mb":      int64(s.MemTotalMB),
		"mem_free_mb":       int64(s.MemFreeMB),
		"cores":             s.Cores,
		"cpu_mhz_total":     s.CPUMHzTotal,
		"battery_percent":   int(s.BatteryPercent),
		"charging":          s.Charging,
		"server_id":         s.ServerID,
		"version":           s.Version,
		"queue_length":      s.QueueLength,
		"running_instances": s.RunningInstances,
		"warm_instances":    s.WarmInstances,
		"uptime_s":          s.Uptime.Seconds(),
		"site":              s.Site,
		"site_kind":         s.SiteKind,
	}
}

// ParseStats reads the positional prefix [cpu, mem, battery] (all a MAMoC server sends) and
// the kwargs; kwargs win over positions.
func ParseStats(args wamp.List, kw wamp.Dict) Stats {
	var s Stats
	pos := []*float64{&s.CPUMHzTotal, &s.MemTotalMB, &s.BatteryPercent}
	for i := 0; i < len(args) && i < len(pos); i++ {
		*pos[i], _ = wamp.AsFloat64(args[i])
	}
	for k, p := range map[string]*float64{"cpu_mhz_total": &s.CPUMHzTotal, "mem_total_mb": &s.MemTotalMB, "battery_percent": &s.BatteryPercent} {
		if v, ok := wamp.AsFloat64(kw[k]); ok {
			*p = v
		}
	}
	s.Charging = boolean(kw, "charging")
	s.CPUPercent, s.Load1, s.Load5, s.Load15 = float(kw, "cpu_percent"), float(kw, "load1"), float(kw, "load5"), float(kw, "load15")
	s.MemFreeMB, s.Cores = float(kw, "mem_free_mb"), int(integer(kw, "cores"))
	s.QueueLength, s.RunningInstances = int(integer(kw, "queue_length")), int(integer(kw, "running_instances"))
	s.WarmInstances = int(integer(kw, "warm_instances"))
	s.ServerID, s.Version = str(kw, "server_id"), str(kw, "version")
	s.Site, s.SiteKind = str(kw, "site"), str(kw, "site_kind")
	s.Uptime = seconds(float(kw, "uptime_s"))
	return s
}
