package decision_test

import (
	"errors"
	"math"
	"testing"

	"github.com/mamoc-go/mamoc/decision"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func nearAll(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i], tol) {
			return false
		}
	}
	return true
}

// TestWeighMamocProfiles checks the AHP weights, λmax, CI and CR of MAMoC's five decision-maker
// profiles against the values in the notes (CR with the correct random index 1.12 for n = 5).
func TestWeighMamocProfiles(t *testing.T) {
	tests := []struct {
		profile   string
		weights   []float64
		tol       float64
		lambdaMax float64 // 0: not checked
		ci        float64
		cr        float64
		refused   bool
	}{
		{"dm1", []float64{.4073, .3886, .1084, .0573, .0385}, 5e-5, 5.120, .0300, .0268, false},
		{"dm2", []float64{.589, .222, .118, .036, .036}, 5e-4, 0, 0, .084, false},
		{"dm3", []float64{.125, .515, .299, .031, .031}, 5e-4, 0, 0, .115, true},
		{"dm4", []float64{.090, .118, .075, .677, .039}, 5e-4, 0, 0, .067, false},
		{"dm5", []float64{.113, .113, .062, .039, .674}, 5e-4, 0, 0, .078, false},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			p, err := decision.MamocProfile(tt.profile)
			if err != nil {
				t.Fatalf("MamocProfile(%q) error %v", tt.profile, err)
			}
			pr, err := decision.Weigh(p, false)
			if refused := errors.Is(err, decision.ErrInconsistent); refused != tt.refused {
				t.Fatalf("Weigh(%s) error = %v, want refused %v", tt.profile, err, tt.refused)
			}
			if !nearAll(pr.Weights, tt.weights, tt.tol) {
				t.Errorf("Weigh(%s).Weights = %.4f, want %.4f", tt.profile, pr.Weights, tt.weights)
			}
			if tt.lambdaMax != 0 && !near(pr.LambdaMax, tt.lambdaMax, 5e-4) {
				t.Errorf("Weigh(%s).LambdaMax = %.4f, want %.3f", tt.profile, pr.LambdaMax, tt.lambdaMax)
			}
			if tt.ci != 0 && !near(pr.CI, tt.ci, 5e-5) {
				t.Errorf("Weigh(%s).CI = %.5f, want %.4f", tt.profile, pr.CI, tt.ci)
			}
			if !near(pr.CR, tt.cr, 5e-4) {
				t.Errorf("Weigh(%s).CR = %.4f, want %.3f", tt.profile, pr.CR, tt.cr)
			}
			if pr.RI != 1.12 {
				t.Errorf("Weigh(%s).RI = %v, want 1.12", tt.profile, pr.RI)
			}
		})
	}
}

func TestWeighRefusal(t *testing.T) {
	// a is 3× b, b is 3× c, but c is 3× a: circular, far from consistent.
	circular, err := decision.FromUpper(3, []float64{3, 1.0 / 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	dm3, _ := decision.MamocProfile("dm3")
	tests := []struct {
		name    string
		p       decision.Pairwise
		force   bool
		wantErr bool
	}{
		{"circular", circular, false, true},
		{"circular forced", circular, true, false},
		{"dm3", dm3, false, true},
		{"dm3 forced", dm3, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := decision.Weigh(tt.p, tt.force)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Weigh(force=%v) error = %v, want error %v", tt.force, err, tt.wantErr)
			}
			if pr.CR <= decision.MaxConsistencyRatio {
				t.Errorf("Weigh().CR = %.4f, want > %v", pr.CR, decision.MaxConsistencyRatio)
			}
			if !tt.wantErr {
				return
			}
			var ie *decision.InconsistentError
			if !errors.As(err, &ie) || !errors.Is(err, decision.ErrInconsistent) {
				t.Fatalf("Weigh() error = %#v, want *InconsistentError wrapping ErrInconsistent", err)
			}
			if ie.CR != pr.CR {
				t.Errorf("InconsistentError.CR = %v, want %v", ie.CR, pr.CR)
			}
		})
	}
}

// TestWeighConsistent: a matrix built from weight ratios is perfectly consistent, so AHP returns
// exactly those weights with λmax = n and CR = 0.
func TestWeighConsistent(t *testing.T) {
	tests := [][]float64{
		{1},
		{0.7, 0.3},
		{0.5, 0.25, 0.25},
		{0.4, 0.3, 0.2, 0.1},
		{0.05, 0.1, 0.15, 0.2, 0.25, 0.1, 0.15},
	}
	for _, w := range tests {
		n := len(w)
		p := make(decision.Pairwise, n)
		for i := range p {
			p[i] = make([]float64, n)
			for j := range p[i] {
				p[i][j] = w[i] / w[j]
			}
		}
		pr, err := decision.Weigh(p, false)
		if err != nil {
			t.Fatalf("Weigh(%v) error %v", w, err)
		}
		if !nearAll(pr.Weights, w, 1e-9) || !near(pr.LambdaMax, float64(n), 1e-9) || pr.CR > 1e-9 {
			t.Errorf("Weigh(%v) = %+v, want weights %v, λmax %d, CR 0", w, pr, w, n)
		}
	}
}

func TestPairwiseInvalid(t *testing.T) {
	tests := []struct {
		name string
		p    decision.Pairwise
	}{
		{"empty", decision.Pairwise{}},
		{"not square", decision.Pairwise{{1, 2}, {0.5}}},
		{"not reciprocal", decision.Pairwise{{1, 2}, {2, 1}}},
		{"zero", decision.Pairwise{{1, 0}, {0, 1}}},
		{"negative", decision.Pairwise{{1, -2}, {-0.5, 1}}},
		{"diagonal", decision.Pairwise{{2, 1}, {1, 1}}},
		{"NaN", decision.Pairwise{{1, math.NaN()}, {math.NaN(), 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decision.Weigh(tt.p, true); !errors.Is(err, decision.ErrInvalid) {
				t.Errorf("Weigh(%v) error = %v, want ErrInvalid", tt.p, err)
			}
		})
	}
	for _, u := range [][]float64{{1, 2}, {1, 2, 0}, {1, 2, math.Inf(1)}} {
		if _, err := decision.FromUpper(3, u); !errors.Is(err, decision.ErrInvalid) {
			t.Errorf("FromUpper(3, %v) error = %v, want ErrInvalid", u, err)
		}
	}
	big := make(decision.Pairwise, 16)
	for i := range big {
		big[i] = make([]float64, 16)
		for j := range big[i] {
			big[i][j] = 1
		}
	}
	if _, err := decision.Weigh(big, true); !errors.Is(err, decision.ErrInvalid) {
		t.Errorf("Weigh(16×16) error = %v, want ErrInvalid (no random index)", err)
	}
}

func TestRandomIndex(t *testing.T) {
	tests := []struct {
		n    int
		ri   float64
		isOK bool
	}{
		{0, 0, false}, {1, 0, true}, {2, 0, true}, {3, 0.58, true}, {4, 0.90, true},
		{5, 1.12, true}, {10, 1.49, true}, {15, 1.59, true}, {16, 0, false},
	}
	for _, tt := range tests {
		if ri, ok := decision.RandomIndex(tt.n); ri != tt.ri || ok != tt.isOK {
			t.Errorf("RandomIndex(%d) = %v, %v, want %v, %v", tt.n, ri, ok, tt.ri, tt.isOK)
		}
	}
}

func TestGeometricMean(t *testing.T) {
	dm1, _ := decision.MamocProfile("dm1")
	dm2, _ := decision.MamocProfile("dm2")
	two, err := decision.FromUpper(2, []float64{4})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("identical", func(t *testing.T) {
		g, err := decision.GeometricMean(dm1, dm1, dm1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range g {
			if !nearAll(g[i], dm1[i], 1e-12) {
				t.Errorf("GeometricMean(dm1, dm1, dm1)[%d] = %v, want %v", i, g[i], dm1[i])
			}
		}
	})
	t.Run("two", func(t *testing.T) {
		g, err := decision.GeometricMean(dm1, dm2)
		if err != nil {
			t.Fatal(err)
		}
		// B-S: √(1·5); S-A: √(5·3); reciprocal below.
		if !near(g[0][1], math.Sqrt(5), 1e-12) || !near(g[1][2], math.Sqrt(15), 1e-12) || !near(g[2][1], 1/math.Sqrt(15), 1e-12) {
			t.Errorf("GeometricMean(dm1, dm2) = %v, want [0][1] √5, [1][2] √15, [2][1] 1/√15", g)
		}
		if err := g.Validate(); err != nil {
			t.Errorf("GeometricMean(dm1, dm2).Validate() = %v, want reciprocal", err)
		}
	})
	t.Run("group of five", func(t *testing.T) {
		g, err := decision.MamocProfile("group")
		if err != nil {
			t.Fatal(err)
		}
		pr, err := decision.Weigh(g, false)
		if err != nil {
			t.Fatalf("Weigh(group) error %v, want consistent", err)
		}
		// The group's weights lie between the extreme profiles and the aggregate is more
		// consistent than dm3 alone.
		if pr.CR >= 0.1 || pr.Weights[1] < pr.Weights[4] {
			t.Errorf("Weigh(group) = %+v, want CR < 0.1 and speed above price", pr)
		}
	})
	t.Run("errors", func(t *testing.T) {
		if _, err := decision.GeometricMean(); !errors.Is(err, decision.ErrInvalid) {
			t.Errorf("GeometricMean() error = %v, want ErrInvalid", err)
		}
		if _, err := decision.GeometricMean(dm1, two); !errors.Is(err, decision.ErrInvalid) {
			t.Errorf("GeometricMean(5×5, 2×2) error = %v, want ErrInvalid", err)
		}
	})
}
