package decision

import (
	"fmt"
	"strings"
)

// Level is one of MAMoC's five linguistic ratings.
type Level string

// MAMoC's linguistic ratings, worst to best.
const (
	VeryLow  Level = "VL"
	Low      Level = "L"
	Good     Level = "G"
	High     Level = "H"
	VeryHigh Level = "VH"
)

// TFN returns the triangular fuzzy number of the level on MAMoC's scale: VL (0, 0, .25),
// L (0, .25, .5), G (.25, .5, .75), H (.5, .75, 1), VH (.75, 1, 1). It reports false for an unknown
// level.
func (l Level) TFN() (TFN, bool) {
	switch l {
	case VeryLow:
		return TFN{0, 0, 0.25}, true
	case Low:
		return TFN{0, 0.25, 0.5}, true
	case Good:
		return TFN{0.25, 0.5, 0.75}, true
	case High:
		return TFN{0.5, 0.75, 1}, true
	case VeryHigh:
		return TFN{0.75, 1, 1}, true
	}
	return TFN{}, false
}

// levelOf maps a value in [0, 1] to the level whose middle vertex is nearest.
func levelOf(x float64) Level {
	switch {
	case x < 0.125:
		return VeryLow
	case x < 0.375:
		return Low
	case x < 0.625:
		return Good
	case x < 0.875:
		return High
	}
	return VeryHigh
}

// MamocCriteria names MAMoC's five criteria in the order of Ratings, of the judgements and of the
// weights. Price is the only cost criterion.
var MamocCriteria = [5]string{"bandwidth", "speed", "availability", "security", "price"}

// Ratings are a site's ratings on MAMoC's five criteria.
type Ratings struct {
	Bandwidth    Level `json:"bandwidth"`
	Speed        Level `json:"speed"`
	Availability Level `json:"availability"`
	Security     Level `json:"security"`
	Price        Level `json:"price"`
}

// TFNs returns the ratings as fuzzy numbers in MamocCriteria order, or an error naming the first
// unknown level.
func (r Ratings) TFNs() ([5]TFN, error) {
	var out [5]TFN
	for j, l := range [5]Level{r.Bandwidth, r.Speed, r.Availability, r.Security, r.Price} {
		t, ok := l.TFN()
		if !ok {
			return out, fmt.Errorf("%s rating %q, want one of VL, L, G, H, VH: %w", MamocCriteria[j], l, ErrInvalid)
		}
		out[j] = t
	}
	return out, nil
}

// The ratings MAMoC's profileNode gives every edge server and every public cloud instance, whatever
// their state (a TODO in its code says they should come from server monitoring).
var (
	MamocEdgeRatings  = Ratings{Bandwidth: VeryHigh, Speed: High, Availability: High, Security: High, Price: Low}
	MamocCloudRatings = Ratings{Bandwidth: Low, Speed: VeryHigh, Availability: VeryHigh, Security: Good, Price: VeryHigh}
)

// mamocProfiles holds the upper-triangle judgements of MAMoC's decision-maker profiles (order
// B-S, B-A, B-Sec, B-P, S-A, S-Sec, S-P, A-Sec, A-P, Sec-P). dm1 is the one the Android client uses.
var mamocProfiles = map[string][10]float64{
	"dm1": {1, 5, 7, 9, 5, 6, 8, 3, 3, 2},
	"dm2": {5, 7, 9, 9, 3, 7, 7, 5, 5, 1},                         // energy
	"dm3": {1.0 / 7, 1.0 / 5, 7, 7, 3, 9, 9, 9, 9, 1},             // response time
	"dm4": {1, 1, 1.0 / 9, 3, 3, 1.0 / 9, 3, 1.0 / 9, 3, 9},       // security
	"dm5": {1, 3, 3, 1.0 / 9, 3, 3, 1.0 / 9, 3, 1.0 / 9, 1.0 / 9}, // cost
}

// MamocProfiles lists the names MamocProfile accepts.
var MamocProfiles = []string{"dm1", "dm2", "dm3", "dm4", "dm5", "group"}

// MamocProfile returns the pairwise matrix of one of MAMoC's decision-maker profiles: "dm1" (the
// Android client's), "dm2" (energy), "dm3" (response time), "dm4" (security), "dm5" (cost), or
// "group", the geometric mean of all five. dm3 has CR ≈ 0.115, so Weigh refuses it unless forced.
func MamocProfile(name string) (Pairwise, error) {
	name = strings.ToLower(name)
	if name == "group" {
		ps := make([]Pairwise, 0, 5)
		for _, n := range MamocProfiles[:5] {
			u := mamocProfiles[n]
			p, _ := FromUpper(5, u[:])
			ps = append(ps, p)
		}
		return GeometricMean(ps...)
	}
	u, ok := mamocProfiles[name]
	if !ok {
		return nil, fmt.Errorf("mamoc profile %q, want one of %v: %w", name, MamocProfiles, ErrInvalid)
	}
	return FromUpper(5, u[:])
}

// Bugs selects result-changing defects of the MAMoC Android client to reproduce in mamoc mode. The
// zero value reproduces none; see the package README for each.
type Bugs uint

// The MAMoC client defects, numbered as in the notes.
const (
	// BugWeightIndex (1): the weight index advances only when j%3 == 0, so the first vertex of the
	// first criterion gets w0 and every other vertex gets w1.
	BugWeightIndex Bugs = 1 << iota
	// BugAccumulator (2): D⁺ and D⁻ are never reset between sites, so each site's distances include
	// those of every site before it (in the given order, standing for Java's HashMap order).
	BugAccumulator
	// BugListOrder (3): the controller ignores the closeness coefficients and takes the first entry
	// of a TreeMap whose order is, for remote sites, the reverse of insertion: the last site wins.
	BugListOrder
	// BugSelfDevice (4): a nearby phone is rated with the local device's CPU, memory and battery.
	BugSelfDevice
	// BugRTTUnit (5): RTT in nanoseconds meets thresholds in milliseconds, so a working link rates VL
	// and a failed probe (RTT −1) rates VH.
	BugRTTUnit
	// BugBattery (6): a phone that is not charging is rated on 100 − battery level, so a full phone
	// rates VL.
	BugBattery
)

// AllBugs reproduces every defect.
const AllBugs = BugWeightIndex | BugAccumulator | BugListOrder | BugSelfDevice | BugRTTUnit | BugBattery

// PhoneProfile is what MAMoC measures about a phone to rate it.
type PhoneProfile struct {
	// RTTMillis is the measured round-trip time in milliseconds; negative means the probe failed.
	RTTMillis float64 `json:"rtt_ms"`
	// CPUKHz is the sum over cores of the maximum CPU frequency in kHz.
	CPUKHz float64 `json:"cpu_khz"`
	// MemoryMB is the available memory in MiB.
	MemoryMB float64 `json:"memory_mb"`
	// BatteryPct is the battery level, 0–100.
	BatteryPct float64 `json:"battery_pct"`
	// Charging is true when the phone is charging or full.
	Charging bool `json:"charging"`
}

// MamocPhoneRatings rates a nearby phone p from the point of view of the local device self as
// MAMoC's profileNode does, with the defects in bugs:
//   - bandwidth from RTT in ms: < 50 VH, < 100 H, < 200 G, < 300 L, else VL (a failed probe is VL);
//   - speed: VH if p has more than 3× self's CPU and more memory, H if 2×, G if 1×, VL if less CPU
//     and less memory, else L;
//   - availability from battery (100 when charging): > 90 VH, > 80 H, > 50 G, < 20 VL, else L;
//   - security G and price VL.
func MamocPhoneRatings(p, self PhoneProfile, bugs Bugs) Ratings {
	if bugs&BugSelfDevice != 0 {
		p.CPUKHz, p.MemoryMB, p.BatteryPct, p.Charging = self.CPUKHz, self.MemoryMB, self.BatteryPct, self.Charging
	}
	r := Ratings{Security: Good, Price: VeryLow}
	rtt := p.RTTMillis
	switch {
	case bugs&BugRTTUnit != 0 && rtt >= 0:
		rtt *= 1e6 // milliseconds read as nanoseconds
	case bugs&BugRTTUnit == 0 && rtt < 0:
		rtt = 1e9 // a failed probe is no link
	}
	switch {
	case rtt < 50:
		r.Bandwidth = VeryHigh
	case rtt < 100:
		r.Bandwidth = High
	case rtt < 200:
		r.Bandwidth = Good
	case rtt < 300:
		r.Bandwidth = Low
	default:
		r.Bandwidth = VeryLow
	}
	moreMem := p.MemoryMB > self.MemoryMB
	switch {
	case p.CPUKHz > 3*self.CPUKHz && moreMem:
		r.Speed = VeryHigh
	case p.CPUKHz > 2*self.CPUKHz && moreMem:
		r.Speed = High
	case p.CPUKHz > self.CPUKHz && moreMem:
		r.Speed = Good
	case p.CPUKHz < self.CPUKHz && p.MemoryMB < self.MemoryMB:
		r.Speed = VeryLow
	default:
		r.Speed = Low
	}
	battery := p.BatteryPct
	switch {
	case p.Charging:
		battery = 100
	case bugs&BugBattery != 0:
		battery = 100 - p.BatteryPct
	}
	r.Availability = availabilityLevel(battery)
	return r
}

// availabilityLevel is MAMoC's rating of an availability score of 0–100 (for a phone, its
// battery: 100 when charging): > 90 VH, > 80 H, > 50 G, < 20 VL, else L.
func availabilityLevel(a float64) Level {
	switch {
	case a > 90:
		return VeryHigh
	case a > 80:
		return High
	case a > 50:
		return Good
	case a < 20:
		return VeryLow
	default:
		return Low
	}
}

// MamocCloseness computes MAMoC's fuzzy TOPSIS closeness coefficients for sites rated on its five
// criteria with the given weights (ideal (1, 1, 1), anti-ideal (0, 0, 0), swapped for price), with
// the defects BugWeightIndex and BugAccumulator when selected in bugs (other bits are ignored).
// Without them it equals FuzzyTOPSIS with UnitRef. The coefficients are not normalised.
func MamocCloseness(ratings []Ratings, weights []float64, bugs Bugs) ([]float64, error) {
	if len(weights) != 5 {
		return nil, fmt.Errorf("%d weights for 5 criteria: %w", len(weights), ErrInvalid)
	}
	cc := make([]float64, len(ratings))
	var dp, dm float64
	for i, r := range ratings {
		t, err := r.TFNs()
		if err != nil {
			return nil, fmt.Errorf("site %d: %w", i, err)
		}
		if bugs&BugAccumulator == 0 {
			dp, dm = 0, 0
		}
		for j, x := range t {
			v := x.Scale(weights[j])
			if bugs&BugWeightIndex != 0 {
				// Element 0 of the flattened triples gets w0, every other element w1.
				v = TFN{x.L * weights[0], x.M * weights[1], x.U * weights[1]}
				if j > 0 {
					v.L = x.L * weights[1]
				}
			}
			ideal, anti := UnitRef.Ideal, UnitRef.Anti
			if j == 4 { // price is a cost
				ideal, anti = anti, ideal
			}
			dp += VertexDistance(v, ideal)
			dm += VertexDistance(v, anti)
		}
		cc[i] = closeness(dp, dm)
	}
	return cc, nil
}

// MamocRule is MAMoC's makeDecision history rule (ThinkAir's, with 5 as both limits) given the
// numbers of recorded local and remote runs of a task and the last local and remote execution
// times: it offloads when localRuns%5 == 0 or there is no remote run; otherwise, when
// remoteRuns%5 == 0, it runs locally only if the last local run was faster than the last remote
// one; otherwise it runs locally. With no history it always offloads, and as long as the app never
// runs the task locally by itself it never chooses local.
func MamocRule(localRuns, remoteRuns int, lastLocalSec, lastRemoteSec float64) (offload bool) {
	const maxRuns = 5
	if localRuns%maxRuns == 0 || remoteRuns == 0 {
		return true
	}
	if remoteRuns%maxRuns == 0 {
		return !(lastLocalSec < lastRemoteSec)
	}
	return false
}
