package decision_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/mamoc-go/mamoc/decision"
)

func mustNew(t testing.TB, cfg decision.Config) *decision.Engine {
	t.Helper()
	e, err := decision.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v) error %v", cfg, err)
	}
	return e
}

func prediction(t *testing.T, d decision.Decision, site string) decision.Prediction {
	t.Helper()
	for _, r := range d.Ranking {
		if r.Site == site {
			return r.Prediction
		}
	}
	t.Fatalf("site %q not in ranking %+v", site, d.Ranking)
	return decision.Prediction{}
}

func TestPredict(t *testing.T) {
	local := decision.Site{Name: "local", Kind: decision.KindLocal}
	edge := decision.Site{Name: "edge", Kind: decision.KindEdge, RTTMillis: 20, UpMbps: 8, DownMbps: 16, Speed: 4}
	loaded := edge
	loaded.Load, loaded.Queue, loaded.PricePerHour = 0.5, 2, 3.6
	quad := edge
	quad.Cores, quad.Load = 4, 0.5
	hist := decision.NewStatsMap([]decision.Stats{
		{Task: "t", Site: "edge", Count: 9, MeanSec: 2, P50Sec: 2, P95Sec: 2 + 1.645*0.3, MeanSize: 10},
	})
	tests := []struct {
		name    string
		sites   []decision.Site
		history decision.History
		req     decision.Request
		site    string
		want    decision.Prediction
	}{
		{"local prior", []decision.Site{local, edge}, nil, decision.Request{}, "local",
			decision.Prediction{ExecSec: 1, TotalSec: 1, StdSec: 1, EnergyJ: 2, Source: decision.SourcePrior}},
		// 1 s / speed 4, plus the RTT; the phone idles at 0.3 W.
		{"edge prior", []decision.Site{local, edge}, nil, decision.Request{}, "edge",
			decision.Prediction{ExecSec: 0.25, CommSec: 0.02, TotalSec: 0.27, StdSec: 0.25, EnergyJ: 0.3 * 0.27, Source: decision.SourcePrior}},
		// 1 MB up at 8 Mbit/s is 1 s, 1 MB down at 16 Mbit/s 0.5 s, at 1 W of radio.
		{"edge transfer", []decision.Site{local, edge}, nil, decision.Request{InputBytes: 1e6, OutputBytes: 1e6}, "edge",
			decision.Prediction{ExecSec: 0.25, CommSec: 1.52, TotalSec: 1.77, StdSec: 0.25, EnergyJ: 1.5 + 0.3*0.27, Source: decision.SourcePrior}},
		// History: 2 s at size 10 scaled to size 20; std error 0.3·2/√9.
		{"edge history", []decision.Site{local, edge}, hist, decision.Request{Task: "t", Size: 20}, "edge",
			decision.Prediction{ExecSec: 4, CommSec: 0.02, TotalSec: 4.02, StdSec: 0.2, EnergyJ: 0.3 * 4.02, Samples: 9, Source: decision.SourceHistory}},
		// The local phone has no history: the edge's 2 s × speed 4 / speed 1.
		{"local scaled", []decision.Site{local, edge}, hist, decision.Request{Task: "t"}, "local",
			decision.Prediction{ExecSec: 8, TotalSec: 8, StdSec: 4, EnergyJ: 16, Source: decision.SourceScaled}},
		// Utilisation 0.5 on one core stretches 2× (time and std error 0.3/√9); two queued runs wait
		// 2 × 2 s; 3.6/h for 4 s.
		{"loaded and queued", []decision.Site{local, loaded}, hist, decision.Request{Task: "t"}, "edge",
			decision.Prediction{ExecSec: 4, WaitSec: 4, CommSec: 0.02, TotalSec: 8.02, StdSec: 0.2, EnergyJ: 0.3 * 8.02, Price: 0.004, Samples: 9, Source: decision.SourceHistory}},
		// On four cores the chance all are busy is 0.5⁴: stretch 1/(1 − 1/16).
		{"four cores", []decision.Site{local, quad}, nil, decision.Request{}, "edge",
			decision.Prediction{ExecSec: 0.25 * 16 / 15, CommSec: 0.02, TotalSec: 0.25*16/15 + 0.02, StdSec: 0.25 * 16 / 15, EnergyJ: 0.3 * (0.25*16/15 + 0.02), Source: decision.SourcePrior}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustNew(t, decision.Config{History: tt.history, DisableExplore: true})
			tt.req.Sites = tt.sites
			d, err := e.Decide(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			got := prediction(t, d, tt.site)
			w := tt.want
			if !near(got.ExecSec, w.ExecSec, 1e-9) || !near(got.WaitSec, w.WaitSec, 1e-9) || !near(got.CommSec, w.CommSec, 1e-9) ||
				!near(got.TotalSec, w.TotalSec, 1e-9) || !near(got.StdSec, w.StdSec, 1e-9) || !near(got.EnergyJ, w.EnergyJ, 1e-9) ||
				!near(got.Price, w.Price, 1e-12) || got.Samples != w.Samples || got.Source != w.Source {
				t.Errorf("prediction(%s) = %+v, want %+v", tt.site, got, w)
			}
		})
	}
}

// TestPredictionConverges feeds the engine histories summarising more and more runs drawn from a
// known distribution (2 s ± 0.5 s): the prediction error stays within three standard errors and
// the reported uncertainty shrinks like 1/√n.
func TestPredictionConverges(t *testing.T) {
	const truth, sigma = 2.0, 0.5
	rng := rand.New(rand.NewPCG(1, 2))
	var runs []float64
	prevStd := math.Inf(1)
	for _, n := range []int{1, 4, 16, 64, 256, 1024, 4096} {
		t.Run("n="+itoa(n), func(t *testing.T) {
			for len(runs) < n {
				runs = append(runs, truth+sigma*rng.NormFloat64())
			}
			s := summarise("t", "edge", runs)
			e := mustNew(t, decision.Config{History: decision.NewStatsMap([]decision.Stats{s}), DisableExplore: true})
			d, err := e.Decide(context.Background(), decision.Request{Task: "t", Sites: []decision.Site{{Name: "edge", Kind: decision.KindEdge}}})
			if err != nil {
				t.Fatal(err)
			}
			p := prediction(t, d, "edge")
			if err := math.Abs(p.ExecSec - truth); err > 3*p.StdSec+1e-9 {
				t.Errorf("n=%d: ExecSec = %.4f, off by %.4f, want within 3 × std %.4f", n, p.ExecSec, err, p.StdSec)
			}
			if n >= 16 && !(p.StdSec < prevStd) {
				t.Errorf("n=%d: StdSec = %.4f, want below %.4f", n, p.StdSec, prevStd)
			}
			prevStd = p.StdSec
			if n == 4096 && math.Abs(p.ExecSec-truth) > 0.05 {
				t.Errorf("n=%d: ExecSec = %.4f, want %.2f ± 0.05", n, p.ExecSec, truth)
			}
		})
	}
}

// TestPredictionLearns closes the loop: the engine decides, the chosen site "runs" the task with a
// hidden true time, and an EWMAHistory records it. The edge's prediction converges on its true
// time, and when the edge slows down the prediction follows and the task moves to the phone.
func TestPredictionLearns(t *testing.T) {
	h := decision.NewEWMAHistory(0.3)
	e := mustNew(t, decision.Config{History: h})
	sites := []decision.Site{
		{Name: "local", Kind: decision.KindLocal},
		{Name: "edge", Kind: decision.KindEdge, Speed: 2, RTTMillis: 5, UpMbps: 100},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	trueTime := map[string]float64{"local": 3, "edge": 0.6}
	run := func(n int) decision.Decision {
		var d decision.Decision
		for range n {
			var err error
			d, err = e.Decide(context.Background(), decision.Request{Task: "t", Sites: sites})
			if err != nil {
				t.Fatal(err)
			}
			sec := trueTime[d.Target] * (0.9 + 0.2*rng.Float64())
			h.Record("t", d.Target, sec, false, 0)
		}
		return d
	}
	d := run(30)
	if p := prediction(t, d, "edge"); math.Abs(p.ExecSec-0.6) > 0.06 || d.Target != "edge" {
		t.Errorf("after 30 runs: target %s, edge ExecSec %.3f, want edge and 0.6 ± 0.06", d.Target, p.ExecSec)
	}
	trueTime["edge"] = 6 // the edge slows down 10×, invisibly to its load
	d = run(30)
	if d.Target != "local" {
		t.Errorf("after the edge slowed down: target %s, want local (ranking %+v)", d.Target, d.Ranking)
	}
}

// TestExploration: with no history the engine explores explicitly, best prior first, each site at
// most MinSamples times, never a site predicted far slower than the best explored one; then it
// stops exploring.
func TestExploration(t *testing.T) {
	sites := []decision.Site{
		{Name: "local", Kind: decision.KindLocal},
		{Name: "edge", Kind: decision.KindEdge, Speed: 4, RTTMillis: 5, UpMbps: 100},
		{Name: "cloud", Kind: decision.KindCloud, Speed: 6, RTTMillis: 60, UpMbps: 20},
		{Name: "slow phone", Kind: decision.KindPhone, Speed: 0.1, RTTMillis: 5, UpMbps: 50},
	}
	trueTime := map[string]float64{"local": 1.2, "edge": 0.3, "cloud": 0.2, "slow phone": 12}
	tests := []struct {
		name       string
		minSamples int
	}{
		{"default", 0},
		{"min samples 3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := decision.NewEWMAHistory(0)
			e := mustNew(t, decision.Config{History: h, MinSamples: tt.minSamples})
			minSamples := max(tt.minSamples, 2)
			explored := map[string]int{}
			var order []string
			for i := range 50 {
				d, err := e.Decide(context.Background(), decision.Request{Task: "t", Sites: sites})
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 && (!d.Explore || d.Reason == "") {
					t.Fatalf("first decision = %+v, want an explicit exploration", d)
				}
				if d.Explore {
					explored[d.Target]++
					order = append(order, d.Target)
					if i >= minSamples*len(sites) {
						t.Errorf("decision %d explores %s, want exploration over within %d decisions", i, d.Target, minSamples*len(sites))
					}
				}
				h.Record("t", d.Target, trueTime[d.Target], false, 0)
			}
			for site, n := range explored {
				if n > minSamples {
					t.Errorf("%s explored %d times, want at most %d", site, n, minSamples)
				}
			}
			if explored["slow phone"] > 0 {
				t.Errorf("slow phone explored %d times, want 0 (predicted > 3× the best)", explored["slow phone"])
			}
			if explored["edge"] != minSamples || explored["cloud"] != minSamples {
				t.Errorf("explored = %v, want edge and cloud %d times each", explored, minSamples)
			}
			t.Logf("exploration order: %v", order)
		})
	}
	t.Run("off without history", func(t *testing.T) {
		e := mustNew(t, decision.Config{})
		d, err := e.Decide(context.Background(), decision.Request{Task: "t", Sites: sites})
		if err != nil || d.Explore {
			t.Errorf("Decide() with no History = %+v, %v, want no exploration", d, err)
		}
	})
	t.Run("off per request", func(t *testing.T) {
		e := mustNew(t, decision.Config{History: decision.NewEWMAHistory(0)})
		d, err := e.Decide(context.Background(), decision.Request{Task: "t", Sites: sites, NoExplore: true})
		if err != nil || d.Explore {
			t.Errorf("Decide(NoExplore) = %+v, %v, want no exploration", d, err)
		}
	})
}

func TestDecideSplit(t *testing.T) {
	sites := []decision.Site{
		{Name: "local", Kind: decision.KindLocal},
		{Name: "edge", Kind: decision.KindEdge, Speed: 4, RTTMillis: 10, UpMbps: 100},
		{Name: "cloud", Kind: decision.KindCloud, Speed: 8, RTTMillis: 100, UpMbps: 20},
		{Name: "far", Kind: decision.KindCloud, Speed: 8, RTTMillis: 5000, UpMbps: 20},
	}
	similar := []decision.Site{
		{Name: "local", Kind: decision.KindLocal},
		{Name: "edge", Kind: decision.KindEdge, Speed: 1.2, RTTMillis: 10, UpMbps: 100},
		{Name: "cloud", Kind: decision.KindCloud, Speed: 1.5, RTTMillis: 100, UpMbps: 20},
	}
	tests := []struct {
		name       string
		sites      []decision.Site
		parallel   bool
		cfg        decision.Config
		wantAction decision.Action
		wantSites  []string
	}{
		{"whole task when not parallel", sites, false, decision.Config{PriorExecSec: 10}, decision.ActionOffload, []string{"cloud"}},
		// Adding the phone (10 s for the whole task) would gain less than MinSplitGain; "far" cannot
		// start before the others finish.
		{"split a long parallel task", sites, true, decision.Config{PriorExecSec: 10}, decision.ActionSplit, []string{"cloud", "edge"}},
		// The phone would shorten the split by a quarter but multiply its energy.
		{"phone energy keeps the phone out", similar, true, decision.Config{PriorExecSec: 10}, decision.ActionSplit, []string{"cloud", "edge"}},
		// When computing costs the phone no more than waiting, only time decides.
		{"split across three similar sites", similar, true, decision.Config{PriorExecSec: 10, CPUWatts: 0.3}, decision.ActionSplit, []string{"cloud", "edge", "local"}},
		{"no split for a short task", sites, true, decision.Config{PriorExecSec: 0.01}, decision.ActionLocal, []string{"local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustNew(t, tt.cfg)
			d, err := e.Decide(context.Background(), decision.Request{Sites: tt.sites, Parallel: tt.parallel, InputBytes: 1e5})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			sum := 0.0
			for _, s := range d.Shares {
				got = append(got, s.Site)
				sum += s.Share
				if !near(s.FinishSec, d.PredictedSec, 1e-9) {
					t.Errorf("share %+v finishes at %v, want %v (equal finish)", s, s.FinishSec, d.PredictedSec)
				}
			}
			sort.Strings(got)
			want := slices.Clone(tt.wantSites)
			sort.Strings(want)
			if d.Action != tt.wantAction || !slices.Equal(got, want) || !near(sum, 1, 1e-12) {
				t.Errorf("Decide() = %s on %v (sum %v), want %s on %v", d.Action, got, sum, tt.wantAction, want)
			}
			if d.Action == decision.ActionSplit {
				for _, r := range d.Ranking {
					if r.Prediction.TotalSec <= d.PredictedSec {
						t.Errorf("split finishes at %v, no faster than %s alone (%v)", d.PredictedSec, r.Site, r.Prediction.TotalSec)
					}
				}
				if d.Target != "" {
					t.Errorf("split Target = %q, want empty", d.Target)
				}
			}
		})
	}
}

var errHistory = errors.New("history broke")

type brokenHistory struct{}

func (brokenHistory) Stats(context.Context, string, string) (decision.Stats, error) {
	return decision.Stats{}, errHistory
}

func TestDecideErrors(t *testing.T) {
	edge := decision.Site{Name: "edge", Kind: decision.KindEdge}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		cfg     decision.Config
		sites   []decision.Site
		wantErr error
	}{
		{"no sites", context.Background(), decision.Config{}, nil, decision.ErrNoSites},
		{"unnamed", context.Background(), decision.Config{}, []decision.Site{{Kind: decision.KindEdge}}, decision.ErrInvalid},
		{"duplicate", context.Background(), decision.Config{}, []decision.Site{edge, edge}, decision.ErrInvalid},
		{"two locals", context.Background(), decision.Config{}, []decision.Site{{Name: "a", Kind: decision.KindLocal}, {Name: "b", Kind: decision.KindLocal}}, decision.ErrInvalid},
		{"bad kind", context.Background(), decision.Config{}, []decision.Site{{Name: "a", Kind: "fog"}}, decision.ErrInvalid},
		{"load above 1", context.Background(), decision.Config{}, []decision.Site{{Name: "a", Kind: decision.KindEdge, Load: 1.5}}, decision.ErrInvalid},
		{"negative rtt", context.Background(), decision.Config{}, []decision.Site{{Name: "a", Kind: decision.KindEdge, RTTMillis: -1}}, decision.ErrInvalid},
		{"all down", context.Background(), decision.Config{}, []decision.Site{{Name: "a", Kind: decision.KindEdge, Down: true}}, decision.ErrNoSites},
		{"history fails", context.Background(), decision.Config{History: brokenHistory{}}, []decision.Site{edge}, errHistory},
		{"cancelled", cancelled, decision.Config{}, []decision.Site{edge}, context.Canceled},
		{"mamoc: only local", context.Background(), decision.Config{Mode: decision.ModeMamoc}, []decision.Site{{Name: "a", Kind: decision.KindLocal}}, decision.ErrNoSites},
		{"mamoc: bad rating", context.Background(), decision.Config{Mode: decision.ModeMamoc}, []decision.Site{{Name: "a", Kind: decision.KindEdge, Ratings: &decision.Ratings{Bandwidth: "XL"}}}, decision.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustNew(t, tt.cfg)
			if _, err := e.Decide(tt.ctx, decision.Request{Task: "t", Sites: tt.sites}); !errors.Is(err, tt.wantErr) {
				t.Errorf("Decide() error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestDecideExcludes(t *testing.T) {
	sites := []decision.Site{
		{Name: "local", Kind: decision.KindLocal},
		{Name: "down", Kind: decision.KindEdge, Down: true},
		{Name: "insecure", Kind: decision.KindCloud, Security: 0.25},
		{Name: "flaky", Kind: decision.KindEdge},
		{Name: "edge", Kind: decision.KindEdge},
	}
	h := decision.NewStatsMap([]decision.Stats{{Task: "t", Site: "flaky", Count: 10, MeanSec: 0.1, FailureRate: 0.8}})
	e := mustNew(t, decision.Config{History: h, DisableExplore: true})
	d, err := e.Decide(context.Background(), decision.Request{Task: "t", Sites: sites, MinSecurity: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var excluded, ranked []string
	for _, x := range d.Excluded {
		excluded = append(excluded, x.Site)
	}
	for _, r := range d.Ranking {
		ranked = append(ranked, r.Site)
	}
	sort.Strings(ranked)
	if !slices.Equal(excluded, []string{"down", "insecure", "flaky"}) || !slices.Equal(ranked, []string{"edge", "local"}) {
		t.Errorf("Decide() excluded %v, ranked %v, want [down insecure flaky] and [edge local]", excluded, ranked)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     decision.Config
		wantErr error
	}{
		{"mode", decision.Config{Mode: "fast"}, decision.ErrInvalid},
		{"judgements length", decision.Config{Judgements: []float64{1, 2}}, decision.ErrInvalid},
		{"profile", decision.Config{Mode: decision.ModeMamoc, Profile: "dm9"}, decision.ErrInvalid},
		{"inconsistent profile", decision.Config{Mode: decision.ModeMamoc, Profile: "dm3"}, decision.ErrInconsistent},
		{"bugs", decision.Config{Mode: decision.ModeMamoc, Bugs: 1 << 10}, decision.ErrInvalid},
		{"max failure rate", decision.Config{MaxFailureRate: 2}, decision.ErrInvalid},
		{"negative watts", decision.Config{CPUWatts: -1}, decision.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decision.New(tt.cfg); !errors.Is(err, tt.wantErr) {
				t.Errorf("New(%+v) error = %v, want %v", tt.cfg, err, tt.wantErr)
			}
		})
	}
	e := mustNew(t, decision.Config{Mode: decision.ModeMamoc, Profile: "dm3", ForceInconsistent: true})
	if p := e.Priorities(); !near(p.CR, 0.115, 5e-4) {
		t.Errorf("Priorities().CR = %v, want 0.115", p.CR)
	}
}

func TestMeasuredRatings(t *testing.T) {
	local := decision.Site{Name: "local", Kind: decision.KindLocal}
	tests := []struct {
		name string
		s    decision.Site
		want decision.Ratings
	}{
		{"near fast edge", decision.Site{Kind: decision.KindEdge, RTTMillis: 5, UpMbps: 200, Speed: 4, Security: 0.75, PricePerHour: 0.01},
			decision.Ratings{Bandwidth: "VH", Speed: "VH", Availability: "VH", Security: "H", Price: "L"}},
		{"busy far cloud", decision.Site{Kind: decision.KindCloud, RTTMillis: 100, UpMbps: 10, Speed: 6, Load: 0.9, Availability: 0.85, PricePerHour: 2},
			decision.Ratings{Bandwidth: "G", Speed: "L", Availability: "H", Security: "G", Price: "VH"}},
		{"tired phone", decision.Site{Kind: decision.KindPhone, RTTMillis: 3, UpMbps: 2, Speed: 1.5, BatteryPct: 15},
			decision.Ratings{Bandwidth: "L", Speed: "G", Availability: "VL", Security: "G", Price: "VL"}},
	}
	for _, tt := range tests {
		if got := decision.MeasuredRatings(tt.s, &local, 10); got != tt.want {
			t.Errorf("MeasuredRatings(%s) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestEWMAHistory(t *testing.T) {
	h := decision.NewEWMAHistory(0.5)
	ctx := context.Background()
	if s, err := h.Stats(ctx, "t", "a"); err != nil || s != (decision.Stats{}) {
		t.Fatalf("Stats(empty) = %+v, %v, want zero", s, err)
	}
	h.Record("t", "a", 2, false, 10)
	h.Record("t", "a", 4, false, 30)
	h.Record("t", "a", 0, true, 0)
	s, _ := h.Stats(ctx, "t", "a")
	if s.Count != 3 || s.MeanSec != 3 || s.MeanSize != 20 || s.FailureRate != 0.5 || !(s.P95Sec > s.P50Sec) {
		t.Errorf("Stats() = %+v, want count 3, mean 3, size 20, failure rate 0.5, P95 > P50", s)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// summarise turns runs into Stats the way the repository does: count, mean, p50, p95.
func summarise(task, site string, runs []float64) decision.Stats {
	s := slices.Clone(runs)
	sort.Float64s(s)
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	q := func(p float64) float64 { return s[int(p*float64(len(s)-1))] }
	return decision.Stats{Task: task, Site: site, Count: len(s), MeanSec: sum / float64(len(s)), P50Sec: q(0.5), P95Sec: q(0.95)}
}
