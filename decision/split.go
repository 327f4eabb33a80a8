package decision

import (
	"math"
	"strconv"
)

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
