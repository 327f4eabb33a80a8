// Package tracesim (directory decision/tracesim) replays synthetic site and network traces against
// offloading policies (always local, always edge, MAMoC's rule, MAMoC as coded, and mamoc's decision
// engine) and reports the mean task completion time and phone energy of each.
//
// The model is deliberately small. A phone issues one task every Interval seconds from a fixed mix
// of MAMoC's demo workloads. Three sites can run it: the phone itself, an edge server and a public
// cloud instance, each with a speed relative to the phone, an RTT and a bandwidth that a trace may
// change at run time. The ground truth of a run is
//
//	completion = RTT + input/up + work/(speed × slowdown) × noise + output/down
//
// for a remote site and work × noise on the phone; a split runs its shares in parallel and
// completes with the last one. The phone spends CPUWatts while it computes, RadioWatts while it
// transfers and IdleWatts while it waits (the engine's default constants). A site that disappears
// is noticed by every policy after DetectSec (WAMP's 10 s ping plus 5 s timeout) and then leaves
// the site list; a run caught on it is redone locally, by the old policies when the disconnect is
// noticed and by mamoc's at its deadline (3 × the prediction), which also records the failure.
//
// What each policy sees: the fixed policies see nothing; MAMoC's rule sees its own run counts and
// the connected sites (it rates them with MAMoC's fixed ratings); mamoc's engine sees the RTT and
// bandwidth the phone probed at most ProbeSec ago, each site's nominal speed and core count, and
// what it learned from its own runs (an EWMAHistory). A slowdown is hidden from load reports, so
// mamoc must learn it from history.
package tracesim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/mamoc-go/mamoc/decision"
)

// Model constants.
const (
	// Interval is the time between task arrivals, in seconds.
	Interval = 10.0
	// DetectSec is how long a site's disappearance goes unnoticed, in seconds.
	DetectSec = 15.0
	// ProbeSec is the period of the phone's RTT and bandwidth probes, in seconds.
	ProbeSec = 5.0
	// CPUWatts is the phone's power while it computes, in watts.
	CPUWatts = 2.0
	// RadioWatts is the phone's power while it transfers, in watts.
	RadioWatts = 1.0
	// IdleWatts is the phone's power while it waits for a remote result, in watts.
	IdleWatts = 0.3
	// EventAt is when a scenario's event happens, as a fraction of the trace.
	EventAt = 1.0 / 3
)

// Task is one workload of the mix.
type Task struct {
	Name string
	// WorkSec is the execution time on the phone in seconds.
	WorkSec float64
	// InputBytes and OutputBytes are the payload sizes.
	InputBytes, OutputBytes int64
	// Parallel says the task can be split.
	Parallel bool
}

// Mix is the task mix, issued round robin: MAMoC's demo workloads with phone times of the order
// its thesis reports (N-Queens and KMP over a large text are parallelizable by rows and chunks).
var Mix = []Task{
	{Name: "NQueens", WorkSec: 6, InputBytes: 200, OutputBytes: 200, Parallel: true},
	{Name: "KMP", WorkSec: 1.5, InputBytes: 4 << 20, OutputBytes: 1 << 10, Parallel: true},
	{Name: "Fibonacci", WorkSec: 0.3, InputBytes: 100, OutputBytes: 100},
	{Name: "QuickSort", WorkSec: 2, InputBytes: 2 << 20, OutputBytes: 2 << 20},
}

// SiteState is a site's true state at one moment.
type SiteState struct {
	Up        bool
	RTTMillis float64
	Mbps      float64
	// Slowdown divides the site's speed (1 = nominal); load reports do not show it.
	Slowdown float64
}

// SiteSpec describes a site and its trace: state Before until ChangeAt, After from then on.
type SiteSpec struct {
	Name  string
	Kind  decision.Kind
	Speed float64
	Cores int
	Price float64
	// Before and After are the site's true states before and from ChangeAt (seconds since the
	// start; 0 means the state never changes).
	Before, After SiteState
	ChangeAt      float64
}

// At returns the site's true state at time t.
func (s *SiteSpec) At(t float64) SiteState {
	if s.ChangeAt > 0 && t >= s.ChangeAt {
		return s.After
	}
	return s.Before
}

// Scenario is a named set of site traces.
type Scenario struct {
	Name  string
	Sites []SiteSpec
}

// Scenarios returns the four traces over n tasks: steady, the edge slows down 5×, the edge's link
// degrades to 1 Mbit/s and 150 ms, and the edge disappears; each event happens a third of the way
// in and lasts to the end.
func Scenarios(n int) []Scenario {
	good := SiteState{Up: true, RTTMillis: 10, Mbps: 50, Slowdown: 1}
	slow, degraded, gone := good, good, good
	slow.Slowdown = 5
	degraded.RTTMillis, degraded.Mbps = 150, 1
	gone.Up = false
	sites := func(edgeAfter SiteState) []SiteSpec {
		return []SiteSpec{
			{Name: "phone", Kind: decision.KindLocal, Speed: 1, Cores: 8, Before: SiteState{Up: true, Slowdown: 1}},
			{Name: "edge", Kind: decision.KindEdge, Speed: 4, Cores: 4, Before: good, After: edgeAfter, ChangeAt: float64(n) * Interval * EventAt},
			{Name: "cloud", Kind: decision.KindCloud, Speed: 6, Cores: 8, Price: 0.05, Before: SiteState{Up: true, RTTMillis: 80, Mbps: 10, Slowdown: 1}},
		}
	}
	return []Scenario{
		{Name: "steady", Sites: sites(good)},
		{Name: "edge slows down 5x", Sites: sites(slow)},
		{Name: "edge link degrades", Sites: sites(degraded)},
		{Name: "edge disappears", Sites: sites(gone)},
	}
}

// part is one share of a plan.
type part struct {
	site string
	x    float64
}

// plan is a policy's decision for one task.
type plan struct {
	parts []part
	// predicted is the policy's predicted completion time, 0 if it has none (no deadline then).
	predicted float64
}

// Policy decides where tasks run and learns from outcomes.
type Policy interface {
	Name() string
	decide(now float64, t *Task, view []decision.Site) plan
	observe(t *Task, site string, x, execSec float64, failed bool)
}

// Local always runs on the phone.
type Local struct{}

// Name implements Policy.
func (Local) Name() string { return "always local" }

func (Local) decide(float64, *Task, []decision.Site) plan { return plan{parts: []part{{"phone", 1}}} }

func (Local) observe(*Task, string, float64, float64, bool) {}

// Edge always offloads the whole task to the edge server while it is connected, else runs locally.
type Edge struct{}

// Name implements Policy.
func (Edge) Name() string { return "always edge" }

func (Edge) decide(_ float64, _ *Task, view []decision.Site) plan {
	for _, s := range view {
		if s.Kind == decision.KindEdge {
			return plan{parts: []part{{s.Name, 1}}}
		}
	}
	return plan{parts: []part{{"phone", 1}}}
}

func (Edge) observe(*Task, string, float64, float64, bool) {}

// Mamoc is MAMoC's DYNAMIC path: the 5/5 history rule, then fuzzy TOPSIS over the connected remote
// sites with MAMoC's fixed ratings and DM1 weights, the whole task to one site. With AsCoded it
// also has the defects that change the answer (the controller takes the last site).
type Mamoc struct {
	AsCoded bool

	engine                *decision.Engine
	local, remote         int
	lastLocal, lastRemote float64
}

// NewMamoc returns MAMoC's policy, corrected or as coded.
func NewMamoc(asCoded bool) *Mamoc {
	cfg := decision.Config{Mode: decision.ModeMamoc}
	if asCoded {
		cfg.Bugs = decision.BugWeightIndex | decision.BugAccumulator | decision.BugListOrder
	}
	e, err := decision.New(cfg)
	if err != nil {
		panic(err) // the built-in profile is consistent
	}
	return &Mamoc{AsCoded: asCoded, engine: e}
}

// Name implements Policy.
func (m *Mamoc) Name() string {
	if m.AsCoded {
		return "MAMoC as coded"
	}
	return "MAMoC's rule"
}

func (m *Mamoc) decide(_ float64, _ *Task, view []decision.Site) plan {
	if !decision.MamocRule(m.local, m.remote, m.lastLocal, m.lastRemote) {
		return plan{parts: []part{{"phone", 1}}}
	}
	sites := make([]decision.Site, 0, len(view))
	for _, s := range view {
		switch s.Kind {
		case decision.KindEdge:
			s.Ratings = &decision.MamocEdgeRatings
		case decision.KindCloud:
			s.Ratings = &decision.MamocCloudRatings
		default:
			continue
		}
		sites = append(sites, s)
	}
	if len(sites) == 0 {
		return plan{parts: []part{{"phone", 1}}}
	}
	d, err := m.engine.Decide(context.Background(), decision.Request{Sites: sites})
	if err != nil {
		return plan{parts: []part{{"phone", 1}}}
	}
	return plan{parts: []part{{d.Target, 1}}}
}

func (m *Mamoc) observe(_ *Task, site string, _, execSec float64, failed bool) {
	if failed {
		return
	}
	if site == "phone" {
		m.local++
		m.lastLocal = execSec
	} else {
		m.remote++
		m.lastRemote = execSec
	}
}

// Engine is mamoc's decision engine in default mode with an EWMAHistory.
type Engine struct {
	engine  *decision.Engine
	history *decision.EWMAHistory
}

// NewEngine returns mamoc's policy with the engine's default configuration.
func NewEngine() *Engine {
	h := decision.NewEWMAHistory(0.3)
	e, err := decision.New(decision.Config{History: h, CPUWatts: CPUWatts, RadioWatts: RadioWatts, IdleWatts: IdleWatts})
	if err != nil {
		panic(err) // the default judgements are consistent
	}
	return &Engine{engine: e, history: h}
}

// Name implements Policy.
func (*Engine) Name() string { return "mamoc" }

func (p *Engine) decide(_ float64, t *Task, view []decision.Site) plan {
	d, err := p.engine.Decide(context.Background(), decision.Request{
		Task: t.Name, Sites: view, InputBytes: t.InputBytes, OutputBytes: t.OutputBytes, Parallel: t.Parallel,
	})
	if err != nil {
		return plan{parts: []part{{"phone", 1}}}
	}
	pl := plan{predicted: d.PredictedSec}
	for _, s := range d.Shares {
		pl.parts = append(pl.parts, part{s.Site, s.Share})
	}
	return pl
}

func (p *Engine) observe(t *Task, site string, x, execSec float64, failed bool) {
	// History holds whole-task times: a share's time is scaled up by its fraction.
	p.history.Record(t.Name, site, execSec/x, failed, 0)
}

// Result is one policy's outcome on one scenario.
type Result struct {
	Scenario, Policy string
	Tasks            int
	// MeanSec is the mean task completion time in seconds.
	MeanSec float64
	// MeanJoules is the mean phone energy per task in joules.
	MeanJoules float64
	// Offloaded and Split count tasks run (at least partly) remotely and across several sites.
	Offloaded, Split int
	// Failed counts tasks that hit a vanished site and were redone locally.
	Failed int
}

// Run replays n tasks of the mix over scenario sc with policy p. seed fixes the execution-time
// noise (±10 %), identical across policies.
func Run(sc Scenario, p Policy, n int, seed uint64) Result {
	rng := rand.New(rand.NewPCG(seed, 0x6d616d6f63))
	noise := make([]float64, n*len(sc.Sites))
	for i := range noise {
		noise[i] = 0.9 + 0.2*rng.Float64()
	}
	spec := map[string]int{}
	for i, s := range sc.Sites {
		spec[s.Name] = i
	}
	res := Result{Scenario: sc.Name, Policy: p.Name(), Tasks: n}
	var total, energy float64
	for k := range n {
		now := float64(k) * Interval
		t := &Mix[k%len(Mix)]
		view := siteView(sc, now)
		pl := p.decide(now, t, view)
		deadline := math.Inf(1)
		if pl.predicted > 0 {
			deadline = math.Max(3*pl.predicted, 1)
		}
		var finish, cpu, radio float64
		failed, remote := false, false
		for _, pt := range pl.parts {
			i := spec[pt.site]
			s := &sc.Sites[i]
			nz := noise[k*len(sc.Sites)+i]
			if s.Kind == decision.KindLocal {
				exec := pt.x * t.WorkSec / s.Speed * nz
				cpu += exec
				finish = math.Max(finish, exec)
				p.observe(t, s.Name, pt.x, exec, false)
				continue
			}
			remote = true
			st := s.At(now)
			up := pt.x * float64(t.InputBytes) * 8 / (st.Mbps * 1e6)
			down := pt.x * float64(t.OutputBytes) * 8 / (st.Mbps * 1e6)
			exec := pt.x * t.WorkSec / (s.Speed / st.Slowdown) * nz
			done := st.RTTMillis/1000 + up + exec + down
			if goneAt, ok := vanishes(s, now, now+done); ok {
				// Caught on a vanishing site: noticed at the disconnect or at the deadline, then
				// redone on the phone.
				failed = true
				noticed := math.Min(goneAt+DetectSec-now, deadline)
				noticed = math.Max(noticed, 0)
				redo := pt.x * t.WorkSec * nz
				cpu += redo
				radio += up
				finish = math.Max(finish, noticed+redo)
				p.observe(t, s.Name, pt.x, 0, true)
				continue
			}
			radio += up + down
			finish = math.Max(finish, done)
			p.observe(t, s.Name, pt.x, exec, false)
		}
		total += finish
		energy += CPUWatts*cpu + RadioWatts*radio + IdleWatts*math.Max(0, finish-cpu-radio)
		if remote {
			res.Offloaded++
		}
		if len(pl.parts) > 1 {
			res.Split++
		}
		if failed {
			res.Failed++
		}
	}
	res.MeanSec = total / float64(n)
	res.MeanJoules = energy / float64(n)
	return res
}

// vanishes reports whether s is down at some point in [from, to] and, if so, since when (a trace
// goes down at most once, at ChangeAt).
func vanishes(s *SiteSpec, from, to float64) (float64, bool) {
	if s.At(from).Up && s.At(to).Up {
		return 0, false
	}
	return s.ChangeAt, true
}

// siteView is what the phone knows at now: the sites still connected (a vanished one stays until
// DetectSec after it went), with RTT and bandwidth from the last probe.
func siteView(sc Scenario, now float64) []decision.Site {
	probe := math.Floor(now/ProbeSec) * ProbeSec
	var view []decision.Site
	for i := range sc.Sites {
		s := &sc.Sites[i]
		if goneAt, gone := vanishes(s, now, now); gone && now >= goneAt+DetectSec {
			continue
		}
		st := s.At(probe)
		if !st.Up {
			st = s.Before // the last probe before it vanished looked fine
		}
		view = append(view, decision.Site{
			Name: s.Name, Kind: s.Kind, Speed: s.Speed, Cores: s.Cores, PricePerHour: s.Price,
			RTTMillis: st.RTTMillis, UpMbps: st.Mbps,
		})
	}
	return view
}

// Policies returns fresh instances of every policy, in table order.
func Policies() []Policy {
	return []Policy{Local{}, Edge{}, NewMamoc(false), NewMamoc(true), NewEngine()}
}

// RunAll replays every scenario with every policy.
func RunAll(n int, seed uint64) []Result {
	var out []Result
	for _, sc := range Scenarios(n) {
		for _, p := range Policies() {
			out = append(out, Run(sc, p, n, seed))
		}
	}
	return out
}

// Table formats results as a Markdown table.
func Table(rs []Result) string {
	var b strings.Builder
	b.WriteString("| scenario | policy | mean completion (s) | phone energy (J/task) | offloaded | split | redone locally |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %s | %.3f | %.3f | %d | %d | %d |\n",
			r.Scenario, r.Policy, r.MeanSec, r.MeanJoules, r.Offloaded, r.Split, r.Failed)
	}
	return b.String()
}
