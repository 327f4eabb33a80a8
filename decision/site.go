package decision

import (
	"fmt"
	"math"
)

// Kind is the kind of a site.
type Kind string

// Site kinds.
const (
	// KindLocal is the phone that asks: running there is "local". At most one per request.
	KindLocal Kind = "local"
	// KindPhone is a nearby phone reached device to device.
	KindPhone Kind = "phone"
	// KindEdge is an edge server (cloudlet).
	KindEdge Kind = "edge"
	// KindCloud is a public cloud instance.
	KindCloud Kind = "cloud"
)

// Site is one place a task can run, described by live measurements (default mode) or by MAMoC
// ratings (mamoc mode). The zero value of a measurement means unknown; the engine then assumes the
// default given in its comment.
type Site struct {
	// Name identifies the site; unique within a request. History is looked up by it.
	Name string `json:"name"`
	// Kind is local, phone, edge or cloud.
	Kind Kind `json:"kind"`
	// RTTMillis is the measured round-trip time from the phone in milliseconds (ignored for local).
	RTTMillis float64 `json:"rtt_ms,omitempty"`
	// UpMbps is the measured phone-to-site throughput in Mbit/s. Default Config.DefaultMbps.
	UpMbps float64 `json:"up_mbps,omitempty"`
	// DownMbps is the measured site-to-phone throughput in Mbit/s. Default UpMbps.
	DownMbps float64 `json:"down_mbps,omitempty"`
	// Speed is the single-core speed relative to any fixed reference (a benchmark score, GHz × IPC);
	// only ratios between sites matter. It transfers history between sites and scales priors.
	// Default 1.
	Speed float64 `json:"speed,omitempty"`
	// Cores is the number of cores that run tasks. Default 1.
	Cores int `json:"cores,omitempty"`
	// Load is the current CPU utilisation over all cores, 0–1 (the stats topic's cpu / 100).
	Load float64 `json:"load,omitempty"`
	// Queue is the number of tasks waiting (not yet running) at the site.
	Queue int `json:"queue,omitempty"`
	// BatteryPct is the battery level of a local or phone site, 0–100. Default 100 (also when
	// Charging); ignored for edge and cloud.
	BatteryPct float64 `json:"battery_pct,omitempty"`
	// Charging is true when a local or phone site is on external power.
	Charging bool `json:"charging,omitempty"`
	// PricePerHour is what the site charges per hour of execution, in any currency. Default 0.
	PricePerHour float64 `json:"price_per_hour,omitempty"`
	// Security is the trust placed in the site, 0–1 (MAMoC's VL…VH are 0, .25, .5, .75, 1).
	// Default 1 for local (the data stays on the phone) and 0.5 otherwise.
	Security float64 `json:"security,omitempty"`
	// Availability is the fraction of time the site has been reachable, 0–1. Default 1.
	Availability float64 `json:"availability,omitempty"`
	// RadioJoulesPerByte is the phone's radio energy per byte sent to or received from the site, in
	// joules. Default: Config.RadioWatts × the transfer time.
	RadioJoulesPerByte float64 `json:"radio_j_per_byte,omitempty"`
	// Down marks a site known to be unreachable; it is never chosen.
	Down bool `json:"down,omitempty"`
	// Ratings are the site's MAMoC ratings, used in mamoc mode. Default: MeasuredRatings.
	Ratings *Ratings `json:"ratings,omitempty"`
}

// validate checks the ranges of s.
func (s *Site) validate() error {
	if s.Name == "" {
		return fmt.Errorf("site without a name: %w", ErrInvalid)
	}
	switch s.Kind {
	case KindLocal, KindPhone, KindEdge, KindCloud:
	default:
		return fmt.Errorf("site %q kind %q, want local, phone, edge or cloud: %w", s.Name, s.Kind, ErrInvalid)
	}
	for _, f := range [...]struct {
		name      string
		v, lo, hi float64
	}{
		{"rtt_ms", s.RTTMillis, 0, math.MaxFloat64},
		{"up_mbps", s.UpMbps, 0, math.MaxFloat64},
		{"down_mbps", s.DownMbps, 0, math.MaxFloat64},
		{"speed", s.Speed, 0, math.MaxFloat64},
		{"cores", float64(s.Cores), 0, math.MaxFloat64},
		{"load", s.Load, 0, 1},
		{"queue", float64(s.Queue), 0, math.MaxFloat64},
		{"battery_pct", s.BatteryPct, 0, 100},
		{"price_per_hour", s.PricePerHour, 0, math.MaxFloat64},
		{"security", s.Security, 0, 1},
		{"availability", s.Availability, 0, 1},
		{"radio_j_per_byte", s.RadioJoulesPerByte, 0, math.MaxFloat64},
	} {
		if !(f.v >= f.lo && f.v <= f.hi) {
			return fmt.Errorf("site %q %s %v: %w", s.Name, f.name, f.v, ErrInvalid)
		}
	}
	return nil
}

func (s *Site) speed() float64 {
	if s.Speed > 0 {
		return s.Speed
	}
	return 1
}

func (s *Site) cores() int {
	if s.Cores > 0 {
		return s.Cores
	}
	return 1
}

func (s *Site) availability() float64 {
	if s.Availability > 0 {
		return s.Availability
	}
	return 1
}

func (s *Site) security() float64 {
	switch {
	case s.Security > 0:
		return s.Security
	case s.Kind == KindLocal:
		return 1
	}
	return 0.5
}

// battery is the battery level that running on s drains, 100 for mains-powered sites.
func (s *Site) battery() float64 {
	if (s.Kind == KindLocal || s.Kind == KindPhone) && !s.Charging && s.BatteryPct > 0 {
		return s.BatteryPct
	}
	return 100
}

// effectiveSpeed is the speed a new run gets now: Speed divided by the load stretch and by the
// queue ahead of it.
func (s *Site) effectiveSpeed() float64 {
	c := s.cores()
	return s.speed() / stretch(s.Load, c) / (1 + float64(s.Queue)/float64(c))
}

// MeasuredRatings derives MAMoC's five ratings of s from live measurements instead of MAMoC's fixed
// ones; local is the asking phone (nil: speed 1, idle), against which speed is rated.
//   - bandwidth from the time to send 1 MB, RTT + 8 Mbit / UpMbps: < 0.1 s VH, < 0.5 s H, < 2 s G,
//     < 8 s L, else VL;
//   - speed from the effective speed ratio to local (speed / load stretch / (1 + queue/cores)):
//     > 3 VH, > 2 H, > 1 G, ≥ 0.5 L, else VL (MAMoC's CPU thresholds);
//   - availability from 100 × availability, times battery/100 for a phone: > 90 VH, > 80 H, > 50 G,
//     < 20 VL, else L (MAMoC's battery thresholds);
//   - security: the level nearest to Security (default 0.5, G);
//   - price per hour: 0 VL, < 0.05 L, < 0.2 G, < 1 H, else VH.
func MeasuredRatings(s Site, local *Site, defaultMbps float64) Ratings {
	var r Ratings
	up := s.UpMbps
	if up <= 0 {
		up = defaultMbps
	}
	t := s.RTTMillis/1000 + 8/up
	switch {
	case s.Kind == KindLocal || t < 0.1:
		r.Bandwidth = VeryHigh
	case t < 0.5:
		r.Bandwidth = High
	case t < 2:
		r.Bandwidth = Good
	case t < 8:
		r.Bandwidth = Low
	default:
		r.Bandwidth = VeryLow
	}
	ref := 1.0
	if local != nil {
		ref = local.effectiveSpeed()
	}
	switch ratio := s.effectiveSpeed() / ref; {
	case ratio > 3:
		r.Speed = VeryHigh
	case ratio > 2:
		r.Speed = High
	case ratio > 1:
		r.Speed = Good
	case ratio >= 0.5:
		r.Speed = Low
	default:
		r.Speed = VeryLow
	}
	r.Availability = availabilityLevel(100 * s.availability() * s.battery() / 100)
	r.Security = levelOf(s.security())
	switch p := s.PricePerHour; {
	case p == 0:
		r.Price = VeryLow
	case p < 0.05:
		r.Price = Low
	case p < 0.2:
		r.Price = Good
	case p < 1:
		r.Price = High
	default:
		r.Price = VeryHigh
	}
	return r
}
