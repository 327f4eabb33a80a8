package decision

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Request asks where to run one task.
type Request struct {
	// Task names the task (its FQCN); history is looked up by it. Empty: no history.
	Task string `json:"task"`
	// Sites are the candidates, the local phone included (Kind local) when it may run the task.
	Sites []Site `json:"sites"`
	// InputBytes and OutputBytes are the payload sizes sent to and returned from a remote site.
	InputBytes  int64 `json:"input_bytes"`
	OutputBytes int64 `json:"output_bytes"`
	// Size is the task's input size in its own unit, used to scale recorded times (Stats.MeanSize);
	// 0 means unknown.
	Size float64 `json:"size"`
	// Parallel says the task's work, input and output divide in proportion to a share, so it can be
	// split across sites.
	Parallel bool `json:"parallel"`
	// MinSecurity excludes sites whose security is below it, 0–1.
	MinSecurity float64 `json:"min_security"`
	// NoExplore forbids exploration for this request.
	NoExplore bool `json:"no_explore"`
}

// Action is what a Decision does with the task.
type Action string

// Actions.
const (
	ActionLocal   Action = "local"   // run on the local phone
	ActionOffload Action = "offload" // run the whole task on one other site
	ActionSplit   Action = "split"   // run shares of the task on several sites at once
)

// Decision is the engine's answer to a Request.
type Decision struct {
	// Mode is the engine's mode.
	Mode Mode `json:"mode"`
	// Task echoes Request.Task.
	Task string `json:"task,omitempty"`
	// Ranking lists the usable sites best first with their scores (TOPSIS closeness coefficients).
	Ranking []Score `json:"ranking"`
	// Action is local, offload or split.
	Action Action `json:"decision"`
	// Target is the site running the whole task (local or offload); empty for a split.
	Target string `json:"target,omitempty"`
	// Shares are the fractions of the task per site, summing to 1. In default mode they are the
	// equal-finish-time shares of the chosen sites (one share of 1 unless split). In mamoc mode
	// they are MAMoC's closeness coefficients normalised to sum 1, which MAMoC never uses to split.
	Shares []Share `json:"shares"`
	// PredictedSec is the predicted completion time of the decision in seconds (default mode).
	PredictedSec float64 `json:"predicted_s,omitempty"`
	// EnergyJ is the phone's predicted energy for the decision in joules (default mode).
	EnergyJ float64 `json:"energy_j,omitempty"`
	// Explore is true when the target was chosen to learn its execution time.
	Explore bool `json:"explore,omitempty"`
	// Reason says in a few words why.
	Reason string `json:"reason"`
	// Excluded lists the sites left out of the ranking and why.
	Excluded []Exclusion `json:"excluded,omitempty"`
}

// Score is one ranked site.
type Score struct {
	Site  string  `json:"site"`
	Kind  Kind    `json:"kind,omitempty"`
	Score float64 `json:"score"`
	// Prediction is the site's prediction for the whole task (default mode).
	Prediction Prediction `json:"prediction,omitzero"`
	// Ratings are the ratings the site was scored on (mamoc mode).
	Ratings *Ratings `json:"ratings,omitempty"`
}

// Share is one site's part of a task.
type Share struct {
	Site  string  `json:"site"`
	Share float64 `json:"share"`
	// FinishSec is the predicted finish time of the share in seconds (default mode).
	FinishSec float64 `json:"finish_s,omitempty"`
}

// Exclusion is a site left out of a decision.
type Exclusion struct {
	Site   string `json:"site"`
	Reason string `json:"reason"`
}

// Reasons for exclusion.
const (
	excludedDown     = "down"
	excludedSecurity = "security below min_security"
	excludedFailures = "failure rate above max_failure_rate"
	excludedMamoc    = "local runs by the 5/5 rule, not by rank"
)

// Engine decides where tasks run. It is immutable after New and safe for concurrent use.
type Engine struct {
	cfg  Config
	prio Priorities
	crit []Criterion
}

// New validates cfg, fills its defaults and computes the AHP weights once. It refuses judgements
// whose consistency ratio is above MaxConsistencyRatio unless cfg.ForceInconsistent is set.
func New(cfg Config) (*Engine, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("decision config: %w", err)
	}
	var p Pairwise
	var err error
	n := len(DefaultCriteria)
	if cfg.Mode == ModeMamoc {
		n = len(MamocCriteria)
	}
	switch {
	case len(cfg.Judgements) > 0:
		p, err = FromUpper(n, cfg.Judgements)
	case cfg.Mode == ModeMamoc:
		p, err = MamocProfile(cfg.Profile)
	default:
		p, err = FromUpper(n, DefaultJudgements)
	}
	if err != nil {
		return nil, fmt.Errorf("decision judgements: %w", err)
	}
	prio, err := Weigh(p, cfg.ForceInconsistent)
	if err != nil {
		return nil, fmt.Errorf("decision judgements: %w", err)
	}
	e := &Engine{cfg: cfg, prio: prio, crit: make([]Criterion, n)}
	for j := range e.crit {
		e.crit[j].Weight = prio.Weights[j]
		if cfg.Mode == ModeDefault {
			e.crit[j].Cost = defaultCost[j]
		} else {
			e.crit[j].Cost = j == 4
		}
	}
	return e, nil
}

// Priorities returns the AHP result behind the engine's criterion weights.
func (e *Engine) Priorities() Priorities {
	p := e.prio
	p.Weights = slices.Clone(p.Weights)
	return p
}

// Decide ranks the sites of req and decides where the task runs. It fails with ErrInvalid for a
// malformed request, ErrNoSites when no site is usable, and with the History's error.
func (e *Engine) Decide(ctx context.Context, req Request) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if err := validateSites(req.Sites); err != nil {
		return Decision{}, err
	}
	if e.cfg.Mode == ModeMamoc {
		return e.decideMamoc(ctx, req)
	}
	return e.decideDefault(ctx, req)
}

// validateSites checks every site and that names are unique and at most one site is local.
func validateSites(sites []Site) error {
	if len(sites) == 0 {
		return fmt.Errorf("no sites: %w", ErrNoSites)
	}
	locals := 0
	var seen map[string]struct{}
	if len(sites) > 16 {
		seen = make(map[string]struct{}, len(sites))
	}
	for i := range sites {
		s := &sites[i]
		if err := s.validate(); err != nil {
			return err
		}
		if s.Kind == KindLocal {
			locals++
		}
		dup := false
		if seen != nil {
			_, dup = seen[s.Name]
			seen[s.Name] = struct{}{}
		} else {
			for j := range i {
				dup = dup || sites[j].Name == s.Name
			}
		}
		if dup {
			return fmt.Errorf("site name %q twice: %w", s.Name, ErrInvalid)
		}
	}
	if locals > 1 {
		return fmt.Errorf("%d local sites, at most 1: %w", locals, ErrInvalid)
	}
	return nil
}

// candidate is a usable site during a default-mode decision.
type candidate struct {
	site  *Site
	stats Stats
	pred  Prediction
	// fixed and variable split TotalSec for EqualFinishShares: fixed does not shrink with the share.
	fixed, variable float64
	score           float64
}

func (e *Engine) decideDefault(ctx context.Context, req Request) (Decision, error) {
	d := Decision{Mode: ModeDefault, Task: req.Task}
	useHistory := e.cfg.History != nil && req.Task != ""
	cands := make([]candidate, 0, len(req.Sites))
	localSpeed := 1.0
	for i := range req.Sites {
		s := &req.Sites[i]
		if s.Kind == KindLocal {
			localSpeed = s.speed()
		}
		switch {
		case s.Down:
			d.Excluded = append(d.Excluded, Exclusion{s.Name, excludedDown})
			continue
		case s.security() < req.MinSecurity:
			d.Excluded = append(d.Excluded, Exclusion{s.Name, excludedSecurity})
			continue
		}
		c := candidate{site: s}
		if useHistory {
			st, err := e.cfg.History.Stats(ctx, req.Task, s.Name)
			if err != nil {
				return Decision{}, fmt.Errorf("history of %s on %s: %w", req.Task, s.Name, err)
			}
			if st.Count >= e.cfg.MinSamples && st.FailureRate > e.cfg.MaxFailureRate {
				d.Excluded = append(d.Excluded, Exclusion{s.Name, excludedFailures})
				continue
			}
			c.stats = st
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return Decision{}, fmt.Errorf("all %d sites excluded: %w", len(req.Sites), ErrNoSites)
	}

	// Sites without their own history are scaled from the task's work in speed·seconds (unloaded
	// time at this size × speed), taken as the smallest over the sites that have history: a site
	// that has slowed down, loaded by others, shows more work than the task needs.
	refWork := 0.0
	for i := range cands {
		c := &cands[i]
		if successes(c.stats) == 0 {
			continue
		}
		w := c.stats.MeanSec * sizeFactor(req.Size, c.stats.MeanSize, e.cfg.SizeExponent) * c.site.speed()
		if refWork == 0 || w < refWork {
			refWork = w
		}
	}
	rows := make([]float64, len(cands)*len(DefaultCriteria))
	for i := range cands {
		c := &cands[i]
		e.predict(c, &req, refWork, localSpeed)
		row := rows[i*len(DefaultCriteria):]
		row[0] = c.pred.TotalSec
		row[1] = c.pred.EnergyJ
		row[2] = c.site.availability() * (1 - c.stats.FailureRate)
		row[3] = c.site.security()
		row[4] = c.pred.Price
		row[5] = c.site.battery()
	}
	var scratch [3 * len(DefaultCriteria)]float64
	scores := make([]float64, len(cands))
	topsis(scores, rows, e.crit, scratch[:])
	for i := range cands {
		cands[i].score = scores[i]
	}
	// Rank by score, then by predicted time, then by request order. Sorting indices keeps the
	// (large) candidates in place.
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(cands[b].score, cands[a].score); c != 0 {
			return c
		}
		if c := cmp.Compare(cands[a].pred.TotalSec, cands[b].pred.TotalSec); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	d.Ranking = make([]Score, len(cands))
	for r, i := range order {
		c := &cands[i]
		d.Ranking[r] = Score{Site: c.site.Name, Kind: c.site.Kind, Score: c.score, Prediction: c.pred}
	}

	if useHistory && !e.cfg.DisableExplore && !req.NoExplore {
		if c := e.exploreTarget(cands, order); c != nil {
			e.whole(&d, c)
			d.Explore = true
			d.Reason = "explore: " + strconv.Itoa(c.stats.Count) + " of " + strconv.Itoa(e.cfg.MinSamples) + " samples on " + c.site.Name
			return d, nil
		}
	}
	if req.Parallel && len(cands) > 1 && e.cfg.MaxSplit > 1 {
		if e.split(&d, cands, order, &req) {
			return d, nil
		}
	}
	e.whole(&d, &cands[order[0]])
	d.Reason = "best score"
	return d, nil
}

// successes is the number of successful attempts behind s.MeanSec.
func successes(s Stats) int {
	if s.MeanSec <= 0 {
		return 0
	}
	return int(math.Round(float64(s.Count) * (1 - s.FailureRate)))
}

// predict fills c.pred, c.fixed and c.variable.
func (e *Engine) predict(c *candidate, req *Request, refWork, localSpeed float64) {
	s, st := c.site, c.stats
	p := Prediction{Samples: st.Count}
	var base float64 // unloaded execution time at this size
	switch n := successes(st); {
	case n > 0:
		f := sizeFactor(req.Size, st.MeanSize, e.cfg.SizeExponent)
		base = st.MeanSec * f
		p.StdSec = spread(st) * f / math.Sqrt(float64(n))
		p.Source = SourceHistory
	case refWork > 0:
		base = refWork / s.speed()
		p.StdSec = base / 2
		p.Source = SourceScaled
	default:
		base = e.cfg.PriorExecSec * localSpeed / s.speed()
		p.StdSec = base
		p.Source = SourcePrior
	}
	cores := s.cores()
	st2 := stretch(s.Load, cores)
	p.ExecSec = base * st2
	p.StdSec *= st2
	p.WaitSec = float64(s.Queue) * base / float64(cores)
	var rtt, transfer float64
	if s.Kind != KindLocal {
		up := s.UpMbps
		if up <= 0 {
			up = e.cfg.DefaultMbps
		}
		down := s.DownMbps
		if down <= 0 {
			down = up
		}
		rtt = s.RTTMillis / 1000
		transfer = float64(req.InputBytes)*8/(up*1e6) + float64(req.OutputBytes)*8/(down*1e6)
	}
	p.CommSec = rtt + transfer
	p.TotalSec = p.WaitSec + p.ExecSec + p.CommSec
	p.EnergyJ = e.energy(s, req, 1, p.ExecSec, transfer, p.TotalSec)
	p.Price = s.PricePerHour * p.ExecSec / 3600
	c.pred = p
	c.fixed = rtt + p.WaitSec
	c.variable = math.Max(p.ExecSec+transfer, 1e-9)
}

// energy is the phone's energy in joules for running share x of the task on s, where execSec and
// transferSec are for the whole task and totalSec is when the share finishes.
func (e *Engine) energy(s *Site, req *Request, x, execSec, transferSec, totalSec float64) float64 {
	if s.Kind == KindLocal {
		run := x * execSec
		return e.cfg.CPUWatts*run + e.cfg.IdleWatts*math.Max(0, totalSec-run)
	}
	radioSec := x * transferSec
	radio := e.cfg.RadioWatts * radioSec
	if s.RadioJoulesPerByte > 0 {
		radio = s.RadioJoulesPerByte * x * float64(req.InputBytes+req.OutputBytes)
	}
	return radio + e.cfg.IdleWatts*math.Max(0, totalSec-radioSec)
}

// exploreTarget returns the best-ranked site (cands in rank order) with fewer than MinSamples
// attempts whose predicted time is within ExploreMaxRatio of the best explored site's, or nil.
func (e *Engine) exploreTarget(cands []candidate, order []int) *candidate {
	best := math.Inf(1)
	for i := range cands {
		if cands[i].stats.Count >= e.cfg.MinSamples {
			best = math.Min(best, cands[i].pred.TotalSec)
		}
	}
	for _, i := range order {
		c := &cands[i]
		if c.stats.Count < e.cfg.MinSamples && (math.IsInf(best, 1) || c.pred.TotalSec <= e.cfg.ExploreMaxRatio*best) {
			return c
		}
	}
	return nil
}

// whole sends the whole task to c.
func (e *Engine) whole(d *Decision, c *candidate) {
	d.Action = ActionOffload
	if c.site.Kind == KindLocal {
		d.Action = ActionLocal
	}
	d.Target = c.site.Name
	d.Shares = []Share{{Site: c.site.Name, Share: 1, FinishSec: c.pred.TotalSec}}
	d.PredictedSec = c.pred.TotalSec
	d.EnergyJ = c.pred.EnergyJ
}

// maxSplitScratch bounds the stack scratch of split; larger MaxSplit values allocate.
const maxSplitScratch = 8

// split greedily adds sites in rank order (cands[order[0]] first) to the top-ranked one. A site
// joins when the equal-finish-time completion shrinks by at least MinSplitGain and the relative
// time gain outweighs the relative rise in phone energy under the AHP weights of the two criteria
// (w_time·ΔT/T + w_energy·ΔE/E < 0), up to MaxSplit sites. It fills d and returns true when the
// result uses more than one site.
func (e *Engine) split(d *Decision, cands []candidate, order []int, req *Request) bool {
	k := min(e.cfg.MaxSplit, len(cands))
	var fb, vb, xb [maxSplitScratch]float64
	var ib [maxSplitScratch]int
	fixed, variable, x, sel := fb[:0], vb[:0], xb[:0], ib[:0]
	if k > maxSplitScratch {
		fixed, variable, x, sel = make([]float64, 0, k), make([]float64, 0, k), make([]float64, 0, k), make([]int, 0, k)
	}
	wt, we := e.crit[0].Weight, e.crit[1].Weight
	top := &cands[order[0]]
	sel = append(sel, order[0])
	fixed = append(fixed, top.fixed)
	variable = append(variable, top.variable)
	bestT, bestE := top.pred.TotalSec, top.pred.EnergyJ
	for _, i := range order[1:] {
		if len(sel) == k {
			break
		}
		sel = append(sel, i)
		fixed = append(fixed, cands[i].fixed)
		variable = append(variable, cands[i].variable)
		x = x[:len(sel)]
		f := equalFinish(x, fixed, variable)
		if f < bestT*(1-e.cfg.MinSplitGain) {
			en := e.splitEnergy(cands, sel, x, f, req)
			if wt*(f-bestT)/bestT+we*(en-bestE)/math.Max(bestE, 1e-12) < 0 {
				bestT, bestE = f, en
				continue
			}
		}
		sel, fixed, variable = sel[:len(sel)-1], fixed[:len(sel)-1], variable[:len(sel)-1]
	}
	if len(sel) < 2 {
		return false
	}
	x = x[:len(sel)]
	f := equalFinish(x, fixed, variable)
	d.Action = ActionSplit
	d.Shares = make([]Share, 0, len(sel))
	d.PredictedSec = f
	d.EnergyJ = e.splitEnergy(cands, sel, x, f, req)
	for j, i := range sel {
		if x[j] > 0 {
			c := &cands[i]
			d.Shares = append(d.Shares, Share{Site: c.site.Name, Share: x[j], FinishSec: c.fixed + x[j]*c.variable})
		}
	}
	d.Reason = "split: " + strconv.Itoa(len(d.Shares)) + " sites finish together"
	return true
}

// splitEnergy is the phone's energy for running shares x of the task on cands[sel[j]], all
// finishing at f: the local share's CPU energy, each remote share's radio energy, and idle power
// for the rest of the time until f.
func (e *Engine) splitEnergy(cands []candidate, sel []int, x []float64, f float64, req *Request) float64 {
	en, busy := 0.0, 0.0
	for j, i := range sel {
		if x[j] <= 0 {
			continue
		}
		c := &cands[i]
		if c.site.Kind == KindLocal {
			busy += x[j] * c.pred.ExecSec
			en += e.cfg.CPUWatts * x[j] * c.pred.ExecSec
			continue
		}
		transfer := c.variable - c.pred.ExecSec
		busy += x[j] * transfer
		en += e.energy(c.site, req, x[j], c.pred.ExecSec, transfer, x[j]*transfer)
	}
	return en + e.cfg.IdleWatts*math.Max(0, f-busy)
}
