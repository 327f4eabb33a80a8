package decision

import (
	"fmt"
	"math"
)

// Mode selects how an Engine scores sites.
type Mode string

// Modes.
const (
	// ModeDefault predicts time, phone energy and price per site from live measurements and history
	// and ranks the sites by crisp TOPSIS on six criteria (DefaultCriteria).
	ModeDefault Mode = "default"
	// ModeMamoc ranks sites by MAMoC's fuzzy TOPSIS on its five fuzzy ratings with the weights of one
	// of its decision-maker profiles, without its defects unless Config.Bugs selects them.
	ModeMamoc Mode = "mamoc"
)

// DefaultCriteria names the default mode's criteria in the order of Config.Judgements: predicted
// completion time (s, cost), phone energy (J, cost), availability (0–1, benefit), security (0–1,
// benefit), price (per run, cost) and battery of the executing device (%, benefit).
var DefaultCriteria = [6]string{"time", "energy", "availability", "security", "price", "battery"}

// defaultCriteria are the criteria's directions; the weights come from the judgements.
var defaultCost = [6]bool{true, true, false, false, true, false}

// DefaultJudgements are the default mode's pairwise judgements (upper triangle of the 6×6 matrix
// over DefaultCriteria): time is twice as important as energy, 3× availability and 5× the rest;
// energy 2× availability and 3× the rest; availability 2× the rest; the others equal. Weights:
// time .402, energy .231, availability .140, security, price and battery .076 each (CR 0.002).
var DefaultJudgements = []float64{2, 3, 5, 5, 5, 2, 3, 3, 3, 2, 2, 2, 1, 1, 1}

// Config configures an Engine. The zero value of every field means its default.
type Config struct {
	// Mode is ModeDefault or ModeMamoc. Default ModeDefault.
	Mode Mode `json:"mode"`
	// Judgements are the upper-triangle pairwise judgements over the mode's criteria
	// (DefaultCriteria or MamocCriteria), read row by row. Default DefaultJudgements, or the
	// judgements of Profile in mamoc mode.
	Judgements []float64 `json:"judgements"`
	// Profile names MAMoC's decision-maker profile used in mamoc mode when Judgements is empty: dm1
	// to dm5 or group (see MamocProfile). Default "dm1".
	Profile string `json:"profile"`
	// ForceInconsistent accepts judgements whose consistency ratio is above MaxConsistencyRatio.
	// Default false: New refuses them.
	ForceInconsistent bool `json:"force_inconsistent"`
	// Bugs selects MAMoC defects to reproduce in mamoc mode. Default none.
	Bugs Bugs `json:"bugs"`
	// History supplies per-(task, site) execution statistics. Default none: every prediction is a
	// prior and the engine does not explore.
	History History `json:"-"`
	// MinSamples is the number of recorded attempts of a task on a site below which the site is
	// unexplored. Default 2.
	MinSamples int `json:"min_samples"`
	// ExploreMaxRatio bounds exploration: an unexplored site is tried only if its predicted time is
	// at most this many times the best predicted time among explored sites. Default 3.
	ExploreMaxRatio float64 `json:"explore_max_ratio"`
	// DisableExplore turns exploration off. Default false.
	DisableExplore bool `json:"disable_explore"`
	// MaxFailureRate excludes a site whose recorded failure rate (with at least MinSamples
	// attempts) is above it. Default 0.5.
	MaxFailureRate float64 `json:"max_failure_rate"`
	// MaxSplit is the largest number of sites a parallelizable task is split across. Default 4.
	MaxSplit int `json:"max_split"`
	// MinSplitGain is the fraction by which adding a site to a split must shorten the predicted
	// completion time. Default 0.1.
	MinSplitGain float64 `json:"min_split_gain"`
	// PriorExecSec is the assumed execution time on the local phone of a task with no history, in
	// seconds; other sites scale it by their speed. Default 1.
	PriorExecSec float64 `json:"prior_exec_s"`
	// SizeExponent is the exponent e in time ∝ size^e used to scale recorded times to
	// Request.Size. Default 1 (linear).
	SizeExponent float64 `json:"size_exponent"`
	// DefaultMbps is the bandwidth assumed for a site that reports none, in Mbit/s. Default 10.
	DefaultMbps float64 `json:"default_mbps"`
	// CPUWatts is the phone's power while it runs a task, in watts. Default 2.
	CPUWatts float64 `json:"cpu_watts"`
	// RadioWatts is the phone's power while its radio transfers, in watts; a site's
	// radio_j_per_byte overrides it. Default 1.
	RadioWatts float64 `json:"radio_watts"`
	// IdleWatts is the phone's power while it waits for a remote result, in watts. Default 0.3.
	IdleWatts float64 `json:"idle_watts"`
}

// Defaults.
const (
	defaultProfile         = "dm1"
	defaultMinSamples      = 2
	defaultExploreMaxRatio = 3
	defaultMaxFailureRate  = 0.5
	defaultMaxSplit        = 4
	defaultMinSplitGain    = 0.1
	defaultPriorExecSec    = 1
	defaultSizeExponent    = 1
	defaultMbps            = 10
	defaultCPUWatts        = 2
	defaultRadioWatts      = 1
	defaultIdleWatts       = 0.3
)

func (c *Config) setDefaults() {
	if c.Mode == "" {
		c.Mode = ModeDefault
	}
	if c.Profile == "" {
		c.Profile = defaultProfile
	}
	setInt(&c.MinSamples, defaultMinSamples)
	setInt(&c.MaxSplit, defaultMaxSplit)
	setFloat(&c.ExploreMaxRatio, defaultExploreMaxRatio)
	setFloat(&c.MaxFailureRate, defaultMaxFailureRate)
	setFloat(&c.MinSplitGain, defaultMinSplitGain)
	setFloat(&c.PriorExecSec, defaultPriorExecSec)
	setFloat(&c.SizeExponent, defaultSizeExponent)
	setFloat(&c.DefaultMbps, defaultMbps)
	setFloat(&c.CPUWatts, defaultCPUWatts)
	setFloat(&c.RadioWatts, defaultRadioWatts)
	setFloat(&c.IdleWatts, defaultIdleWatts)
}

func setInt(p *int, def int) {
	if *p == 0 {
		*p = def
	}
}

func setFloat(p *float64, def float64) {
	if *p == 0 {
		*p = def
	}
}

// Validate reports whether c (after defaults) is usable.
func (c *Config) Validate() error {
	if c.Mode != ModeDefault && c.Mode != ModeMamoc {
		return fmt.Errorf("mode %q, want %q or %q: %w", c.Mode, ModeDefault, ModeMamoc, ErrInvalid)
	}
	if c.Bugs&^AllBugs != 0 {
		return fmt.Errorf("bugs %#x: %w", uint(c.Bugs), ErrInvalid)
	}
	for _, f := range []struct {
		name      string
		v, lo, hi float64
	}{
		{"min_samples", float64(c.MinSamples), 0, math.Inf(1)},
		{"max_split", float64(c.MaxSplit), 1, math.Inf(1)},
		{"explore_max_ratio", c.ExploreMaxRatio, 1, math.Inf(1)},
		{"max_failure_rate", c.MaxFailureRate, 0, 1},
		{"min_split_gain", c.MinSplitGain, 0, 1},
		{"prior_exec_s", c.PriorExecSec, 0, math.Inf(1)},
		{"size_exponent", c.SizeExponent, 0, 4},
		{"default_mbps", c.DefaultMbps, 0, math.Inf(1)},
		{"cpu_watts", c.CPUWatts, 0, math.Inf(1)},
		{"radio_watts", c.RadioWatts, 0, math.Inf(1)},
		{"idle_watts", c.IdleWatts, 0, math.Inf(1)},
	} {
		if !(f.v >= f.lo && f.v <= f.hi) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s %v: %w", f.name, f.v, ErrInvalid)
		}
	}
	return nil
}
