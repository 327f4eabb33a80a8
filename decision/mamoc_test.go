package decision_test

import (
	"context"
	"testing"

	"github.com/mamoc-go/mamoc/decision"
)

// The test vector of the notes: DM1 weights, MAMoC's fixed edge and cloud ratings, and a nearby
// phone rated [VL, L, L, G, VL].
var (
	vectorPhone  = decision.Ratings{Bandwidth: decision.VeryLow, Speed: decision.Low, Availability: decision.Low, Security: decision.Good, Price: decision.VeryLow}
	vectorPhoneB = decision.Ratings{Bandwidth: decision.VeryHigh, Speed: decision.Low, Availability: decision.Low, Security: decision.Good, Price: decision.VeryLow}
)

func dm1Weights(t *testing.T) []float64 {
	t.Helper()
	p, err := decision.MamocProfile("dm1")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := decision.Weigh(p, false)
	if err != nil {
		t.Fatal(err)
	}
	return pr.Weights
}

func TestMamocTestVector(t *testing.T) {
	w := dm1Weights(t)
	tests := []struct {
		site    string
		ratings decision.Ratings
		want    float64
	}{
		{"Edge", decision.MamocEdgeRatings, .3575},
		{"Public", decision.MamocCloudRatings, .3147},
		{"Mobile", vectorPhone, .2459},
		{"Mobile with B = VH", vectorPhoneB, .3098},
	}
	all := make([]decision.Ratings, len(tests))
	for i, tt := range tests {
		all[i] = tt.ratings
	}
	cc, err := decision.MamocCloseness(all, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fuzzy [][]decision.TFN
	for _, r := range all {
		x, err := r.TFNs()
		if err != nil {
			t.Fatal(err)
		}
		fuzzy = append(fuzzy, x[:])
	}
	crit := make([]decision.Criterion, 5)
	for j := range crit {
		crit[j] = decision.Criterion{Weight: w[j], Cost: j == 4}
	}
	general, err := decision.FuzzyTOPSIS(fuzzy, crit, decision.UnitRef)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.site, func(t *testing.T) {
			if !near(cc[i], tt.want, 5e-5) {
				t.Errorf("MamocCloseness(%s) = %.4f, want %.4f", tt.site, cc[i], tt.want)
			}
			if !near(general[i], cc[i], 1e-12) {
				t.Errorf("FuzzyTOPSIS(%s) = %.6f, want MamocCloseness %.6f", tt.site, general[i], cc[i])
			}
		})
	}
}

// TestMamocBugs reproduces MAMoC's defects 1 and 2; with both, Edge/Public come out .428/.382 or
// .335/.382 depending on the order (Java's HashMap order), as the notes report.
func TestMamocBugs(t *testing.T) {
	w := dm1Weights(t)
	edge, cloud := decision.MamocEdgeRatings, decision.MamocCloudRatings
	tests := []struct {
		name  string
		sites []decision.Ratings
		bugs  decision.Bugs
		want  []float64
	}{
		{"fixed", []decision.Ratings{edge, cloud}, 0, []float64{.3575, .3147}},
		{"fixed, other order", []decision.Ratings{cloud, edge}, 0, []float64{.3147, .3575}},
		{"weight index", []decision.Ratings{edge, cloud}, decision.BugWeightIndex, []float64{.4282, .3354}},
		{"accumulator", []decision.Ratings{edge, cloud}, decision.BugAccumulator, []float64{.3575, .3361}},
		{"both, edge first", []decision.Ratings{edge, cloud}, decision.BugWeightIndex | decision.BugAccumulator, []float64{.428, .382}},
		{"both, cloud first", []decision.Ratings{cloud, edge}, decision.BugWeightIndex | decision.BugAccumulator, []float64{.335, .382}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decision.MamocCloseness(tt.sites, w, tt.bugs)
			if err != nil {
				t.Fatal(err)
			}
			tol := 5e-5
			if len(tt.name) > 4 && tt.name[:4] == "both" {
				tol = 5e-4
			}
			if !nearAll(got, tt.want, tol) {
				t.Errorf("MamocCloseness(bugs %b) = %.4f, want %.4f", tt.bugs, got, tt.want)
			}
		})
	}
}

func TestMamocPhoneRatings(t *testing.T) {
	self := decision.PhoneProfile{CPUKHz: 8e6, MemoryMB: 2000, BatteryPct: 90}
	tests := []struct {
		name string
		p    decision.PhoneProfile
		bugs decision.Bugs
		want decision.Ratings
	}{
		{"test vector phone", decision.PhoneProfile{RTTMillis: 400, CPUKHz: 8e6, MemoryMB: 1000, BatteryPct: 30}, 0, vectorPhone},
		{"fast near phone", decision.PhoneProfile{RTTMillis: 20, CPUKHz: 3e7, MemoryMB: 4000, BatteryPct: 95}, 0,
			decision.Ratings{Bandwidth: "VH", Speed: "VH", Availability: "VH", Security: "G", Price: "VL"}},
		{"2x, charging", decision.PhoneProfile{RTTMillis: 150, CPUKHz: 2e7, MemoryMB: 4000, BatteryPct: 5, Charging: true}, 0,
			decision.Ratings{Bandwidth: "G", Speed: "H", Availability: "VH", Security: "G", Price: "VL"}},
		{"slower and less memory", decision.PhoneProfile{RTTMillis: 250, CPUKHz: 4e6, MemoryMB: 1000, BatteryPct: 10}, 0,
			decision.Ratings{Bandwidth: "L", Speed: "VL", Availability: "VL", Security: "G", Price: "VL"}},
		{"failed probe", decision.PhoneProfile{RTTMillis: -1, CPUKHz: 9e6, MemoryMB: 3000, BatteryPct: 85}, 0,
			decision.Ratings{Bandwidth: "VL", Speed: "G", Availability: "H", Security: "G", Price: "VL"}},
		{"bug 5: failed probe rates VH", decision.PhoneProfile{RTTMillis: -1, CPUKHz: 9e6, MemoryMB: 3000, BatteryPct: 85}, decision.BugRTTUnit,
			decision.Ratings{Bandwidth: "VH", Speed: "G", Availability: "H", Security: "G", Price: "VL"}},
		{"bug 5: 1 ms rates VL", decision.PhoneProfile{RTTMillis: 1, CPUKHz: 9e6, MemoryMB: 3000, BatteryPct: 85}, decision.BugRTTUnit,
			decision.Ratings{Bandwidth: "VL", Speed: "G", Availability: "H", Security: "G", Price: "VL"}},
		{"bug 6: full phone rates VL", decision.PhoneProfile{RTTMillis: 20, CPUKHz: 9e6, MemoryMB: 3000, BatteryPct: 100}, decision.BugBattery,
			decision.Ratings{Bandwidth: "VH", Speed: "G", Availability: "VL", Security: "G", Price: "VL"}},
		{"bug 4: rated as self", decision.PhoneProfile{RTTMillis: 20, CPUKHz: 3e7, MemoryMB: 4000, BatteryPct: 10}, decision.BugSelfDevice,
			decision.Ratings{Bandwidth: "VH", Speed: "L", Availability: "H", Security: "G", Price: "VL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decision.MamocPhoneRatings(tt.p, self, tt.bugs); got != tt.want {
				t.Errorf("MamocPhoneRatings(%+v, bugs %b) = %+v, want %+v", tt.p, tt.bugs, got, tt.want)
			}
		})
	}
}

func TestMamocRule(t *testing.T) {
	tests := []struct {
		local, remote         int
		lastLocal, lastRemote float64
		offload               bool
	}{
		{0, 0, 0, 0, true},  // no history: offload
		{0, 7, 0, 1, true},  // never local: offload forever
		{3, 0, 1, 0, true},  // never remote: offload
		{5, 2, 1, 9, true},  // 5 local runs: offload to re-check
		{3, 5, 1, 2, false}, // 5 remote runs, local faster: local
		{3, 5, 2, 1, true},  // 5 remote runs, remote faster: offload
		{3, 2, 1, 9, false}, // otherwise local
	}
	for _, tt := range tests {
		if got := decision.MamocRule(tt.local, tt.remote, tt.lastLocal, tt.lastRemote); got != tt.offload {
			t.Errorf("MamocRule(%d, %d, %v, %v) = %v, want %v", tt.local, tt.remote, tt.lastLocal, tt.lastRemote, got, tt.offload)
		}
	}
}

func TestEngineMamocMode(t *testing.T) {
	sites := []decision.Site{
		{Name: "phone", Kind: decision.KindPhone, Ratings: &vectorPhone},
		{Name: "Edge", Kind: decision.KindEdge, Ratings: &decision.MamocEdgeRatings},
		{Name: "Public", Kind: decision.KindCloud, Ratings: &decision.MamocCloudRatings},
	}
	tests := []struct {
		name       string
		cfg        decision.Config
		history    decision.StatsMap
		wantRank   []string
		wantScore  []float64
		wantAction decision.Action
		wantTarget string
	}{
		{"test vector", decision.Config{}, nil, []string{"Edge", "Public", "phone"}, []float64{.3575, .3147, .2459}, decision.ActionOffload, "Edge"},
		{"bug 3 takes the last site", decision.Config{Bugs: decision.BugListOrder}, nil, []string{"Edge", "Public", "phone"}, []float64{.3575, .3147, .2459}, decision.ActionOffload, "Public"},
		{"energy profile", decision.Config{Profile: "dm2"}, nil, []string{"Edge", "Public", "phone"}, nil, decision.ActionOffload, "Edge"},
		{"rule keeps it local", decision.Config{}, decision.NewStatsMap([]decision.Stats{
			{Task: "t", Site: "local", Count: 3, MeanSec: 1},
			{Task: "t", Site: "Edge", Count: 5, MeanSec: 2},
		}), []string{"Edge", "Public", "phone"}, nil, decision.ActionLocal, "local"},
		{"rule offloads with no history", decision.Config{}, decision.StatsMap{}, []string{"Edge", "Public", "phone"}, nil, decision.ActionOffload, "Edge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Mode = decision.ModeMamoc
			if tt.history != nil {
				tt.cfg.History = tt.history
			}
			e, err := decision.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			d, err := e.Decide(context.Background(), decision.Request{Task: "t", Sites: sites})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			var scores []float64
			for _, r := range d.Ranking {
				names = append(names, r.Site)
				scores = append(scores, r.Score)
			}
			if len(names) != len(tt.wantRank) {
				t.Fatalf("Decide().Ranking = %v, want %v", names, tt.wantRank)
			}
			for i := range names {
				if names[i] != tt.wantRank[i] {
					t.Errorf("Decide().Ranking = %v, want %v", names, tt.wantRank)
					break
				}
			}
			if tt.wantScore != nil && !nearAll(scores, tt.wantScore, 5e-5) {
				t.Errorf("Decide() scores = %.4f, want %.4f", scores, tt.wantScore)
			}
			if d.Action != tt.wantAction || d.Target != tt.wantTarget {
				t.Errorf("Decide() = %s %s, want %s %s", d.Action, d.Target, tt.wantAction, tt.wantTarget)
			}
			sum := 0.0
			for _, s := range d.Shares {
				sum += s.Share
			}
			if !near(sum, 1, 1e-12) {
				t.Errorf("Decide() shares sum to %v, want 1", sum)
			}
		})
	}
}
