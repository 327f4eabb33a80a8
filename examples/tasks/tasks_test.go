package tasks_test

import (
	"math"
	"os"
	"slices"
	"testing"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

// The expected values are the Java tasks' (examples/README.md), checked on a JVM by
// transform/compile_test.go.

func TestNQueens(t *testing.T) {
	for _, tt := range []struct{ n, want int }{{1, 1}, {4, 2}, {8, 92}, {10, 724}, {13, 73712}} {
		if got := tasks.NQueens(tt.n); got != tt.want {
			t.Errorf("NQueens(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestFib(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want int64
	}{{0, 0}, {1, 1}, {2, 1}, {10, 55}, {25, 75025}} {
		if got := tasks.Fib(tt.n); got != tt.want {
			t.Errorf("Fib(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func small(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestKMP(t *testing.T) {
	text := small(t)
	for _, tt := range []struct {
		content, pattern string
		want             int
	}{
		{text, "the", 6282},
		{text, "lighthouse keeper", 85},
		{text, "", 0},
		{"aaaa", "aa", 3},
		{"abababab", "abab", 3},
		{"abc", "abcd", 0},
	} {
		if got := tasks.KMP(tt.content, tt.pattern); got != tt.want {
			t.Errorf("KMP(%.10q…, %q) = %d, want %d", tt.content, tt.pattern, got, tt.want)
		}
	}
}

func TestQuickSort(t *testing.T) {
	words := tasks.SplitWords(small(t))
	if len(words) != 40271 {
		t.Errorf("SplitWords(small.txt) has %d words, want 40271", len(words))
	}
	want := slices.Sorted(slices.Values(words))
	tasks.QuickSort(words)
	if !slices.Equal(words, want) {
		t.Error("QuickSort(small.txt words) is not sorted")
	}
	for _, in := range [][]string{nil, {"b"}, {"b", "a"}, {"c", "a", "b", "a"}} {
		got := slices.Clone(in)
		tasks.QuickSort(got)
		if !slices.IsSorted(got) {
			t.Errorf("QuickSort(%q) = %q, want sorted", in, got)
		}
	}
	if got := tasks.SplitWords("a b  c  "); !slices.Equal(got, []string{"a", "b", "", "c"}) {
		t.Errorf(`SplitWords("a b  c  ") = %q, want ["a" "b" "" "c"] as Java's split(" ")`, got)
	}
}

func TestLinpack(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want float64 // Java's normalized residual
	}{{100, 1.6711730035118721}, {200, 3.3778092476717343}} {
		r := tasks.Linpack(tt.n)
		if math.Abs(r.NormalizedResidual-tt.want) > 1e-6*tt.want || r.NormalizedResidual > 10 {
			t.Errorf("Linpack(%d) normalized residual = %v, want %v", tt.n, r.NormalizedResidual, tt.want)
		}
		if r.Residual <= 0 || r.Residual > 1e-10 {
			t.Errorf("Linpack(%d) residual = %v, want small and positive", tt.n, r.Residual)
		}
	}
}
