package decision

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// MaxConsistencyRatio is Saaty's limit on the consistency ratio: Weigh refuses a matrix whose CR
// is above it unless forced.
const MaxConsistencyRatio = 0.1

// randomIndex is Saaty's random consistency index RI indexed by the matrix order n (n = 1…15).
// MAMoC indexes its copy of the first ten values by n, one place off, so it divides by 1.24 instead
// of 1.12 for its five criteria.
var randomIndex = [...]float64{0, 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59}

// RandomIndex returns Saaty's random consistency index for an n×n matrix (0 for n ≤ 2, where every
// reciprocal matrix is consistent) and false when n is outside 1…15.
func RandomIndex(n int) (float64, bool) {
	if n < 1 || n >= len(randomIndex) {
		return 0, false
	}
	return randomIndex[n], true
}

// Pairwise is a positive reciprocal pairwise comparison matrix on Saaty's 1–9 scale: p[i][j] says
// how many times more important criterion i is than criterion j, and p[j][i] = 1/p[i][j].
type Pairwise [][]float64

// FromUpper builds the n×n reciprocal matrix whose upper triangle, read row by row, is upper:
// p[0][1], p[0][2], …, p[0][n-1], p[1][2], …, p[n-2][n-1]. It needs n(n−1)/2 positive values.
func FromUpper(n int, upper []float64) (Pairwise, error) {
	if n < 1 || len(upper) != n*(n-1)/2 {
		return nil, fmt.Errorf("%d judgements for %d criteria, want %d: %w", len(upper), n, n*(n-1)/2, ErrInvalid)
	}
	p := make(Pairwise, n)
	for i := range p {
		p[i] = make([]float64, n)
		p[i][i] = 1
	}
	k := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := upper[k]
			k++
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("judgement %d (criteria %d, %d) = %v: %w", k-1, i, j, v, ErrInvalid)
			}
			p[i][j], p[j][i] = v, 1/v
		}
	}
	return p, nil
}

// Validate reports whether p is square, positive, finite, with ones on the diagonal and reciprocal
// to a relative tolerance of 1e-6.
func (p Pairwise) Validate() error {
	n := len(p)
	if n == 0 {
		return fmt.Errorf("empty pairwise matrix: %w", ErrInvalid)
	}
	for i, row := range p {
		if len(row) != n {
			return fmt.Errorf("pairwise row %d has %d columns, want %d: %w", i, len(row), n, ErrInvalid)
		}
	}
	for i := 0; i < n; i++ {
		if math.Abs(p[i][i]-1) > 1e-6 {
			return fmt.Errorf("pairwise diagonal [%d][%d] = %v, want 1: %w", i, i, p[i][i], ErrInvalid)
		}
		for j := i + 1; j < n; j++ {
			a, b := p[i][j], p[j][i]
			if !(a > 0) || !(b > 0) || math.IsInf(a, 0) || math.IsInf(b, 0) {
				return fmt.Errorf("pairwise [%d][%d] = %v, [%d][%d] = %v: %w", i, j, a, j, i, b, ErrInvalid)
			}
			if math.Abs(a*b-1) > 1e-6 {
				return fmt.Errorf("pairwise [%d][%d]·[%d][%d] = %v, want 1: %w", i, j, j, i, a*b, ErrInvalid)
			}
		}
	}
	return nil
}

// Priorities is the result of AHP on one pairwise matrix.
type Priorities struct {
	// Weights is the principal right eigenvector normalised to sum 1, one weight per criterion.
	Weights []float64 `json:"weights"`
	// LambdaMax is the principal eigenvalue (≥ n; n exactly for a consistent matrix).
	LambdaMax float64 `json:"lambda_max"`
	// CI is the consistency index (λmax − n)/(n − 1); 0 for n ≤ 2.
	CI float64 `json:"ci"`
	// RI is Saaty's random index for n.
	RI float64 `json:"ri"`
	// CR is the consistency ratio CI/RI; 0 when RI is 0.
	CR float64 `json:"cr"`
}

// Weigh computes the AHP priorities of p: the principal eigenvector (gonum's general eigen
// decomposition), λmax, CI, RI and CR. A matrix with CR > MaxConsistencyRatio is refused with an
// *InconsistentError unless force is true; the returned Priorities are filled in either case, so a
// caller can report the ratio. Weigh allocates a decomposition: call it once per matrix, not per
// decision.
func Weigh(p Pairwise, force bool) (Priorities, error) {
	if err := p.Validate(); err != nil {
		return Priorities{}, err
	}
	n := len(p)
	ri, ok := RandomIndex(n)
	if !ok {
		return Priorities{}, fmt.Errorf("%d criteria, at most %d: %w", n, len(randomIndex)-1, ErrInvalid)
	}
	if n == 1 {
		return Priorities{Weights: []float64{1}, LambdaMax: 1}, nil
	}
	a := mat.NewDense(n, n, nil)
	for i := range p {
		a.SetRow(i, p[i])
	}
	var eig mat.Eigen
	if !eig.Factorize(a, mat.EigenRight) {
		return Priorities{}, fmt.Errorf("eigen decomposition did not converge: %w", ErrInvalid)
	}
	values := eig.Values(nil)
	best := 0
	for i, v := range values {
		if real(v) > real(values[best]) {
			best = i
		}
	}
	var vecs mat.CDense
	eig.VectorsTo(&vecs)
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		// The Perron vector of a positive matrix is real with one sign; the solver may flip it.
		w[i] = math.Abs(real(vecs.At(i, best)))
		sum += w[i]
	}
	for i := range w {
		w[i] /= sum
	}
	pr := Priorities{Weights: w, LambdaMax: real(values[best]), RI: ri}
	pr.CI = math.Max(0, (pr.LambdaMax-float64(n))/float64(n-1))
	if ri > 0 {
		pr.CR = pr.CI / ri
	}
	if pr.CR > MaxConsistencyRatio && !force {
		return pr, &InconsistentError{CR: pr.CR}
	}
	return pr, nil
}

// GeometricMean aggregates the judgements of several decision makers into one matrix by the
// element-wise geometric mean (Aczél and Saaty's AIJ), which keeps the result reciprocal. All
// matrices must have the same order.
func GeometricMean(ps ...Pairwise) (Pairwise, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("no decision makers: %w", ErrInvalid)
	}
	n := len(ps[0])
	for k, p := range ps {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("decision maker %d: %w", k, err)
		}
		if len(p) != n {
			return nil, fmt.Errorf("decision maker %d has %d criteria, want %d: %w", k, len(p), n, ErrInvalid)
		}
	}
	g := make(Pairwise, n)
	for i := range g {
		g[i] = make([]float64, n)
		for j := range g[i] {
			s := 0.0
			for _, p := range ps {
				s += math.Log(p[i][j])
			}
			g[i][j] = math.Exp(s / float64(len(ps)))
		}
	}
	return g, nil
}
