package decision

import (
	"fmt"
	"math"
)

// EqualFinishShares splits one unit of divisible work across sites so that they all finish at the
// same time. Site i finishes its share x_i at fixed[i] + x_i·variable[i], where fixed is the time
// that does not depend on the share (RTT, queue wait) and variable the time the whole task would
// take beyond it (execution plus transfer). With every share positive the common finish time is
//
//	F = (1 + Σ fixed_i/variable_i) / Σ 1/variable_i,  x_i = (F − fixed_i)/variable_i,
//
// so with no fixed cost the shares are proportional to 1/variable_i. A site whose fixed cost alone
// reaches F gets share 0 and F is recomputed without it. It returns the shares (summing to 1, in
// the order of the arguments) and F in the unit of the inputs.
func EqualFinishShares(fixed, variable []float64) ([]float64, float64, error) {
	if len(fixed) != len(variable) || len(fixed) == 0 {
		return nil, 0, fmt.Errorf("%d fixed and %d variable times: %w", len(fixed), len(variable), ErrInvalid)
	}
	for i := range fixed {
		if !(variable[i] > 0) || !(fixed[i] >= 0) || math.IsInf(variable[i], 0) || math.IsInf(fixed[i], 0) {
			return nil, 0, fmt.Errorf("site %d: fixed %v, variable %v: %w", i, fixed[i], variable[i], ErrInvalid)
		}
	}
	x := make([]float64, len(fixed))
	f := equalFinish(x, fixed, variable)
	return x, f, nil
}

// equalFinish writes the equal-finish shares to x (len(fixed)) and returns the finish time. It
// needs variable > 0 and does not allocate. The site with the smallest fixed time always keeps a
// positive share, so the result is never empty.
func equalFinish(x, fixed, variable []float64) float64 {
	for i := range x {
		x[i] = 1 // 1 marks an active site until the shares are written
	}
	for {
		var num, den float64 = 1, 0
		for i := range x {
			if x[i] != 0 {
				num += fixed[i] / variable[i]
				den += 1 / variable[i]
			}
		}
		f := num / den
		// Drop the active site with the largest fixed time if it cannot finish by f.
		worst := -1
		for i := range x {
			if x[i] != 0 && fixed[i] >= f && (worst < 0 || fixed[i] > fixed[worst]) {
				worst = i
			}
		}
		if worst < 0 {
			for i := range x {
				if x[i] != 0 {
					x[i] = (f - fixed[i]) / variable[i]
				}
			}
			return f
		}
		x[worst] = 0
	}
}
