package tasks

import (
	"math"
	"strings"
	"time"
)

// KMP counts the (overlapping) occurrences of pattern in content with the Knuth–Morris–Pratt
// algorithm, as examples/kmp/KMP.java does; an empty pattern has 0 matches.
func KMP(content, pattern string) int {
	m, n := len(pattern), len(content)
	if m == 0 {
		return 0
	}
	lps := make([]int, m) // longest proper prefix that is also a suffix
	for i, l := 1, 0; i < m; {
		switch {
		case pattern[i] == pattern[l]:
			l++
			lps[i] = l
			i++
		case l != 0:
			l = lps[l-1]
		default:
			i++
		}
	}
	matches := 0
	for i, j := 0, 0; i < n; {
		if pattern[j] == content[i] {
			i++
			j++
		}
		if j == m {
			matches++
			j = lps[j-1]
		} else if i < n && pattern[j] != content[i] {
			if j != 0 {
				j = lps[j-1]
			} else {
				i++
			}
		}
	}
	return matches
}

// SplitWords splits text on single spaces like Java's String.split(" "): trailing empty strings
// are dropped.
func SplitWords(text string) []string {
	words := strings.Split(text, " ")
	for len(words) > 0 && words[len(words)-1] == "" {
		words = words[:len(words)-1]
	}
	return words
}

// QuickSort sorts words in place with the same recursive quicksort as QuickSort.java.
func QuickSort(words []string) {
	if len(words) > 1 {
		quickSort(words, 0, len(words)-1)
	}
}

func quickSort(a []string, lo, hi int) {
	i, j := lo, hi
	pivot := a[lo+(hi-lo)/2]
	for i <= j {
		for a[i] < pivot {
			i++
		}
		for a[j] > pivot {
			j--
		}
		if i <= j {
			a[i], a[j] = a[j], a[i]
			i++
			j--
		}
	}
	if lo < j {
		quickSort(a, lo, j)
	}
	if i < hi {
		quickSort(a, i, hi)
	}
}

// NQueens returns the number of ways to place n non-attacking queens on an n×n board, by the
// same backtracking as Queens.java.
func NQueens(n int) int {
	return enumerate(make([]int, n), 0)
}

func enumerate(q []int, k int) int {
	if k == len(q) {
		return 1
	}
	s := 0
	for i := range q {
		q[k] = i
		if consistent(q, k) {
			s += enumerate(q, k+1)
		}
	}
	return s
}

func consistent(q []int, n int) bool {
	for i := range n {
		if q[i] == q[n] || q[i]-q[n] == n-i || q[n]-q[i] == n-i {
			return false
		}
	}
	return true
}

// Fib returns the n-th Fibonacci number by naive recursion, as Fibonacci.java does.
func Fib(n int) int64 {
	if n <= 1 {
		return int64(n)
	}
	return Fib(n-1) + Fib(n-2)
}

// LinpackResult is the outcome of one Linpack run.
type LinpackResult struct {
	// NormalizedResidual is ‖Ax−b‖ / (n‖A‖‖x‖ε); a correct solve keeps it of order 1–10.
	NormalizedResidual float64
	// Residual is ‖Ax−b‖∞.
	Residual float64
	// MFLOPS is the solve's speed in millions of floating-point operations per second.
	MFLOPS float64
	// Time is the time of the factorisation and solve.
	Time time.Duration
}

// Linpack solves the n×n Linpack system as Linpack.java does and checks the solution.
func Linpack(n int) LinpackResult {
	a := make([][]float64, n) // a[j] is column j
	for j := range a {
		a[j] = make([]float64, n)
	}
	b, x, ipvt := make([]float64, n), make([]float64, n), make([]int, n)
	fn := float64(n)
	ops := 2*fn*fn*fn/3 + 2*fn*fn
	matgen(a, b)
	start := time.Now()
	dgefa(a, ipvt)
	dgesl(a, ipvt, b)
	took := time.Since(start)
	copy(x, b)
	norma := matgen(a, b)
	for i := range b {
		b[i] = -b[i]
	}
	for j := range n { // b += A·x
		for i := range n {
			b[i] += x[j] * a[j][i]
		}
	}
	resid, normx := 0.0, 0.0
	for i := range n {
		resid = math.Max(resid, math.Abs(b[i]))
		normx = math.Max(normx, math.Abs(x[i]))
	}
	r := LinpackResult{Residual: resid, Time: took, NormalizedResidual: resid / (fn * norma * normx * epsilon())}
	if s := took.Seconds(); s > 0 {
		r.MFLOPS = ops / (1e6 * s)
	}
	return r
}

func matgen(a [][]float64, b []float64) (norma float64) {
	init := 1325
	for j := range a {
		for i := range a[j] {
			init = init * 3125 % 65536
			a[j][i] = (float64(init) - 32768) / 16384
			norma = math.Max(norma, a[j][i])
		}
	}
	clear(b)
	for j := range a {
		for i := range a[j] {
			b[i] += a[j][i]
		}
	}
	return norma
}

// dgefa factors a by Gaussian elimination with partial pivoting.
func dgefa(a [][]float64, ipvt []int) {
	n := len(a)
	for k := 0; k < n-1; k++ {
		colk := a[k]
		l := idamax(colk[k:]) + k
		ipvt[k] = l
		if colk[l] == 0 {
			continue
		}
		colk[l], colk[k] = colk[k], colk[l]
		dscal(-1/colk[k], colk[k+1:])
		for j := k + 1; j < n; j++ {
			colj := a[j]
			t := colj[l]
			if l != k {
				colj[l], colj[k] = colj[k], t
			}
			daxpy(t, colk[k+1:], colj[k+1:])
		}
	}
	ipvt[n-1] = n - 1
}

// dgesl solves a·x = b with the factors of dgefa, leaving x in b.
func dgesl(a [][]float64, ipvt []int, b []float64) {
	n := len(a)
	for k := 0; k < n-1; k++ {
		l := ipvt[k]
		t := b[l]
		if l != k {
			b[l], b[k] = b[k], t
		}
		daxpy(t, a[k][k+1:], b[k+1:])
	}
	for k := n - 1; k >= 0; k-- {
		b[k] /= a[k][k]
		daxpy(-b[k], a[k][:k], b[:k])
	}
}

func daxpy(da float64, dx, dy []float64) {
	if da == 0 {
		return
	}
	for i := range dx {
		dy[i] += dx[i] * da
	}
}

func dscal(da float64, dx []float64) {
	for i := range dx {
		dx[i] *= da
	}
}

func idamax(dx []float64) int {
	if len(dx) == 0 {
		return -1
	}
	best, maxAbs := 0, math.Abs(dx[0])
	for i := 1; i < len(dx); i++ {
		if v := math.Abs(dx[i]); v > maxAbs {
			best, maxAbs = i, v
		}
	}
	return best
}

// epsilon is Linpack's estimate of the unit roundoff of float64.
func epsilon() float64 {
	a := 4.0 / 3
	eps := 0.0
	for eps == 0 {
		b := a - 1
		c := b + b + b
		eps = math.Abs(c - 1)
	}
	return eps
}
