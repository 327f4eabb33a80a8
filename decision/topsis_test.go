package decision_test

import (
	"errors"
	"math"
	"testing"

	"github.com/mamoc-go/mamoc/decision"
)

// aircraft is Hwang and Yoon's fighter-aircraft example (Multiple Attribute Decision Making,
// 1981, p. 133): maximum speed, ferry range, payload, acquisition cost (the cost criterion),
// reliability, manoeuvrability. The book's closeness coefficients are .643, .268, .613, .312.
var aircraft = [][]float64{
	{2.0, 1500, 20000, 5.5, 5, 9},
	{2.5, 2700, 18000, 6.5, 3, 5},
	{1.8, 2000, 21000, 4.5, 7, 7},
	{2.2, 1800, 20000, 5.0, 5, 5},
}

func aircraftCriteria() []decision.Criterion {
	var c []decision.Criterion
	for j, w := range []float64{.2, .1, .1, .1, .2, .3} {
		c = append(c, decision.Criterion{Weight: w, Cost: j == 3})
	}
	return c
}

func TestTOPSIS(t *testing.T) {
	scaled := make([][]float64, len(aircraft))
	for i, row := range aircraft {
		scaled[i] = append([]float64(nil), row...)
		scaled[i][1] *= 1.609 // miles to km: vector normalisation ignores units
		scaled[i][3] *= 1e6
	}
	tests := []struct {
		name string
		x    [][]float64
		crit []decision.Criterion
		want []float64
		tol  float64
	}{
		// The book rounds its normalised matrix to 4 places, hence the 0.002 tolerance (.6135 here).
		{"aircraft", aircraft, aircraftCriteria(), []float64{.643, .268, .613, .312}, 0.002},
		{"aircraft in other units", scaled, aircraftCriteria(), []float64{.643, .268, .613, .312}, 0.002},
		{"one criterion benefit", [][]float64{{1}, {2}, {3}}, []decision.Criterion{{Weight: 1}}, []float64{0, 0.5, 1}, 1e-12},
		{"one criterion cost", [][]float64{{1}, {2}, {3}}, []decision.Criterion{{Weight: 1, Cost: true}}, []float64{1, 0.5, 0}, 1e-12},
		{"dominant row", [][]float64{{3, 1}, {1, 3}}, []decision.Criterion{{Weight: 1}, {Weight: 1, Cost: true}}, []float64{1, 0}, 1e-12},
		{"single row", [][]float64{{3, 1}}, []decision.Criterion{{Weight: 1}, {Weight: 1}}, []float64{1}, 0},
		{"zero column", [][]float64{{0, 1}, {0, 2}}, []decision.Criterion{{Weight: 1}, {Weight: 1}}, []float64{0, 1}, 1e-12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decision.TOPSIS(tt.x, tt.crit)
			if err != nil {
				t.Fatalf("TOPSIS() error %v", err)
			}
			if !nearAll(got, tt.want, tt.tol) {
				t.Errorf("TOPSIS() = %.4f, want %.4f", got, tt.want)
			}
		})
	}
}

func TestTOPSISInvalid(t *testing.T) {
	crit := []decision.Criterion{{Weight: 1}, {Weight: 1}}
	for _, x := range [][][]float64{{{1}}, {{1, -1}}, {{1, math.NaN()}}, {{1, math.Inf(1)}}} {
		if _, err := decision.TOPSIS(x, crit); !errors.Is(err, decision.ErrInvalid) {
			t.Errorf("TOPSIS(%v) error = %v, want ErrInvalid", x, err)
		}
	}
}

func TestVertexDistance(t *testing.T) {
	tests := []struct {
		a, b decision.TFN
		want float64
	}{
		{decision.TFN{}, decision.TFN{}, 0},
		{decision.TFN{0, 0, 0}, decision.TFN{1, 1, 1}, 1},
		{decision.TFN{0, 0.25, 0.5}, decision.TFN{0.25, 0.5, 0.75}, 0.25},
		{decision.TFN{0, 0, 0.25}, decision.TFN{0.75, 1, 1}, math.Sqrt((0.5625 + 1 + 0.5625) / 3)},
	}
	for _, tt := range tests {
		if got := decision.VertexDistance(tt.a, tt.b); !near(got, tt.want, 1e-12) {
			t.Errorf("VertexDistance(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := decision.VertexDistance(tt.b, tt.a); !near(got, tt.want, 1e-12) {
			t.Errorf("VertexDistance(%v, %v) = %v, want %v (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestFuzzyTOPSIS(t *testing.T) {
	crisp := func(v float64) decision.TFN { return decision.TFN{L: v, M: v, U: v} }
	tests := []struct {
		name string
		x    [][]decision.TFN
		crit []decision.Criterion
		ref  decision.FuzzyRef
		want []float64
	}{
		// A crisp rating r with weight 1 sits at distance 1−r from (1,1,1) and r from (0,0,0).
		{"crisp benefit", [][]decision.TFN{{crisp(0.2)}, {crisp(0.9)}}, []decision.Criterion{{Weight: 1}}, decision.UnitRef, []float64{0.2, 0.9}},
		{"crisp cost", [][]decision.TFN{{crisp(0.2)}, {crisp(0.9)}}, []decision.Criterion{{Weight: 1, Cost: true}}, decision.UnitRef, []float64{0.8, 0.1}},
		{"at ideal", [][]decision.TFN{{crisp(1), crisp(0)}}, []decision.Criterion{{Weight: 1}, {Weight: 1, Cost: true}}, decision.UnitRef, []float64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decision.FuzzyTOPSIS(tt.x, tt.crit, tt.ref)
			if err != nil {
				t.Fatalf("FuzzyTOPSIS() error %v", err)
			}
			if !nearAll(got, tt.want, 1e-12) {
				t.Errorf("FuzzyTOPSIS() = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := decision.FuzzyTOPSIS([][]decision.TFN{{{L: 1, M: 0, U: 1}}}, []decision.Criterion{{Weight: 1}}, decision.UnitRef); !errors.Is(err, decision.ErrInvalid) {
		t.Errorf("FuzzyTOPSIS(l > m) error = %v, want ErrInvalid", err)
	}
}
