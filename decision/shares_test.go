package decision_test

import (
	"errors"
	"math"
	"testing"

	"github.com/mamoc-go/mamoc/decision"
)

func TestEqualFinishShares(t *testing.T) {
	tests := []struct {
		name            string
		fixed, variable []float64
		want            []float64
		finish          float64
	}{
		{"one site", []float64{0.5}, []float64{2}, []float64{1}, 2.5},
		{"no fixed: ∝ 1/variable", []float64{0, 0}, []float64{1, 3}, []float64{0.75, 0.25}, 0.75},
		{"three equal", []float64{0, 0, 0}, []float64{3, 3, 3}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, 1},
		// F = (1 + 0 + 1/1)/(1/4 + 1) = 1.6: local 0.4 of 4 s, edge 1 + 0.6·1.
		{"fixed cost", []float64{0, 1}, []float64{4, 1}, []float64{0.4, 0.6}, 1.6},
		// The far site's fixed cost (10 s) exceeds what the others need, so it gets nothing.
		{"too far", []float64{0, 0, 10}, []float64{2, 2, 1}, []float64{0.5, 0.5, 0}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, f, err := decision.EqualFinishShares(tt.fixed, tt.variable)
			if err != nil {
				t.Fatal(err)
			}
			if !nearAll(x, tt.want, 1e-12) || !near(f, tt.finish, 1e-12) {
				t.Errorf("EqualFinishShares(%v, %v) = %v, %v, want %v, %v", tt.fixed, tt.variable, x, f, tt.want, tt.finish)
			}
			sum := 0.0
			for i := range x {
				sum += x[i]
				if x[i] > 0 && !near(tt.fixed[i]+x[i]*tt.variable[i], f, 1e-12) {
					t.Errorf("site %d finishes at %v, want %v", i, tt.fixed[i]+x[i]*tt.variable[i], f)
				}
				if x[i] == 0 && tt.fixed[i] < f {
					t.Errorf("site %d has no share but could start before %v", i, f)
				}
			}
			if !near(sum, 1, 1e-12) {
				t.Errorf("shares sum to %v, want 1", sum)
			}
		})
	}
}

func TestEqualFinishSharesInvalid(t *testing.T) {
	tests := []struct {
		name            string
		fixed, variable []float64
	}{
		{"empty", nil, nil},
		{"length", []float64{0}, []float64{1, 2}},
		{"zero variable", []float64{0}, []float64{0}},
		{"negative fixed", []float64{-1}, []float64{1}},
		{"infinite", []float64{0}, []float64{math.Inf(1)}},
	}
	for _, tt := range tests {
		if _, _, err := decision.EqualFinishShares(tt.fixed, tt.variable); !errors.Is(err, decision.ErrInvalid) {
			t.Errorf("EqualFinishShares(%s) error = %v, want ErrInvalid", tt.name, err)
		}
	}
}
