package decision

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
)

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
