package decision

import (
	"fmt"
	"math"
)

// Criterion describes one column of a TOPSIS decision matrix.
type Criterion struct {
	// Weight is the criterion's importance, for example an AHP weight; weights need not sum to 1.
	Weight float64
	// Cost is true when smaller values are better (time, energy, price) and false for a benefit
	// criterion (availability, security).
	Cost bool
}

// TOPSIS ranks m alternatives (rows of x) on n criteria (columns) by Hwang and Yoon's crisp
// TOPSIS: vector normalisation r_ij = x_ij/√Σ_i x_ij², weighting v_ij = w_j·r_ij, the positive
// ideal (best v_ij per column: the largest for benefit, the smallest for cost criteria) and the
// negative ideal, Euclidean distances D⁺ and D⁻, and the closeness coefficient CC = D⁻/(D⁺ + D⁻).
// It returns one CC in [0, 1] per row, larger is better; a row that coincides with the positive
// ideal scores 1. Vector normalisation makes the result independent of each column's unit.
func TOPSIS(x [][]float64, crit []Criterion) ([]float64, error) {
	n := len(crit)
	flat := make([]float64, 0, len(x)*n)
	for i, row := range x {
		if len(row) != n {
			return nil, fmt.Errorf("row %d has %d values for %d criteria: %w", i, len(row), n, ErrInvalid)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("row %d criterion %d = %v, want finite and ≥ 0: %w", i, j, v, ErrInvalid)
			}
		}
		flat = append(flat, row...)
	}
	cc := make([]float64, len(x))
	topsis(cc, flat, crit, make([]float64, 3*n))
	return cc, nil
}

// topsis is TOPSIS on a row-major m×n matrix x (m = len(cc), n = len(crit)), writing the
// closeness coefficients to cc. scratch holds at least 3n values. It does not allocate.
func topsis(cc, x []float64, crit []Criterion, scratch []float64) {
	n := len(crit)
	norm, best, worst := scratch[:n], scratch[n:2*n], scratch[2*n:3*n]
	for j := range norm {
		norm[j] = 0
	}
	for i := range cc {
		for j := 0; j < n; j++ {
			v := x[i*n+j]
			norm[j] += v * v
		}
	}
	for j := range norm {
		if norm[j] > 0 {
			norm[j] = crit[j].Weight / math.Sqrt(norm[j])
		}
	}
	for i := range cc {
		for j := 0; j < n; j++ {
			v := x[i*n+j] * norm[j]
			if i == 0 {
				best[j], worst[j] = v, v
				continue
			}
			if crit[j].Cost == (v < best[j]) {
				best[j] = v
			}
			if crit[j].Cost == (v > worst[j]) {
				worst[j] = v
			}
		}
	}
	for i := range cc {
		var dp, dm float64
		for j := 0; j < n; j++ {
			v := x[i*n+j] * norm[j]
			dp += (v - best[j]) * (v - best[j])
			dm += (v - worst[j]) * (v - worst[j])
		}
		cc[i] = closeness(math.Sqrt(dp), math.Sqrt(dm))
	}
}

// TFN is a triangular fuzzy number (L, M, U) with L ≤ M ≤ U: the membership rises from 0 at L to 1
// at M and falls back to 0 at U.
type TFN struct {
	L float64 `json:"l"`
	M float64 `json:"m"`
	U float64 `json:"u"`
}

// Scale returns the fuzzy number w·a for a crisp w ≥ 0.
func (a TFN) Scale(w float64) TFN { return TFN{a.L * w, a.M * w, a.U * w} }

// VertexDistance is Chen's (2000) vertex distance between two triangular fuzzy numbers,
// √((1/3)·Σ_k (a_k − b_k)²). MAMoC computes (1/3)·‖a − b‖₂ instead, which differs by the constant
// factor √3 and so gives the same closeness coefficients.
func VertexDistance(a, b TFN) float64 {
	dl, dm, du := a.L-b.L, a.M-b.M, a.U-b.U
	return math.Sqrt((dl*dl + dm*dm + du*du) / 3)
}

// FuzzyRef is the fuzzy positive ideal and negative ideal reference of a fuzzy TOPSIS for a
// benefit criterion; a cost criterion swaps the two.
type FuzzyRef struct {
	Ideal TFN
	Anti  TFN
}

// UnitRef is Chen's FPIS (1, 1, 1) and FNIS (0, 0, 0), which the MAMoC client uses without
// normalising the ratings (they already lie in [0, 1]).
var UnitRef = FuzzyRef{Ideal: TFN{1, 1, 1}, Anti: TFN{0, 0, 0}}

// FuzzyTOPSIS ranks m alternatives (rows of x, ratings as triangular fuzzy numbers in [0, 1]) on n
// criteria: ṽ_ij = w_j·r̃_ij on all three vertices, D⁺_i = Σ_j d(ṽ_ij, ideal_j) and
// D⁻_i = Σ_j d(ṽ_ij, anti_j) with the vertex distance d and ref (swapped for cost criteria), and
// CC_i = D⁻_i/(D⁺_i + D⁻_i). It returns one CC per row, larger is better.
func FuzzyTOPSIS(x [][]TFN, crit []Criterion, ref FuzzyRef) ([]float64, error) {
	cc := make([]float64, len(x))
	for i, row := range x {
		if len(row) != len(crit) {
			return nil, fmt.Errorf("row %d has %d ratings for %d criteria: %w", i, len(row), len(crit), ErrInvalid)
		}
		var dp, dm float64
		for j, r := range row {
			if !(r.L <= r.M && r.M <= r.U) {
				return nil, fmt.Errorf("row %d criterion %d = %v, want l ≤ m ≤ u: %w", i, j, r, ErrInvalid)
			}
			v := r.Scale(crit[j].Weight)
			ideal, anti := ref.Ideal, ref.Anti
			if crit[j].Cost {
				ideal, anti = anti, ideal
			}
			dp += VertexDistance(v, ideal)
			dm += VertexDistance(v, anti)
		}
		cc[i] = closeness(dp, dm)
	}
	return cc, nil
}

// closeness is D⁻/(D⁺ + D⁻), 1 at the ideal.
func closeness(dp, dm float64) float64 {
	if dp == 0 {
		return 1
	}
	return dm / (dp + dm)
}
