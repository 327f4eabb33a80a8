package decision_test

import (
	"testing"

	"github.com/mamoc-go/mamoc/decision"
)

func TestPlanChunks(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n         int
		shares    []decision.Share
		minChunks int
		maxChunks int
	}{
		{"one site", 1000, []decision.Share{{Site: "a", Share: 1}}, 1, 1},
		{"two equal", 1000, []decision.Share{{Site: "a", Share: .5}, {Site: "b", Share: .5}}, 6, 40},
		{"uneven", 1_000_000, []decision.Share{{Site: "a", Share: .8}, {Site: "b", Share: .2}}, 6, 40},
		{"tiny", 3, []decision.Share{{Site: "a", Share: .5}, {Site: "b", Share: .5}}, 3, 3},
		{"zero share", 100, []decision.Share{{Site: "a", Share: 1}, {Site: "b", Share: 0}}, 1, 1},
		{"four sites", 10_000, []decision.Share{{Site: "a", Share: .25}, {Site: "b", Share: .25}, {Site: "c", Share: .25}, {Site: "d", Share: .25}}, 8, 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := decision.PlanChunks(tc.n, tc.shares)
			if len(cs) < tc.minChunks || len(cs) > tc.maxChunks {
				t.Fatalf("PlanChunks(%d) = %d chunks, want %d–%d: %+v", tc.n, len(cs), tc.minChunks, tc.maxChunks, cs)
			}
			next := 0
			for i, c := range cs {
				if c.Index != i || c.From != next || c.To <= c.From {
					t.Fatalf("chunk %d = %+v, want index %d from %d, non-empty", i, c, i, next)
				}
				next = c.To
			}
			if next != tc.n {
				t.Errorf("chunks end at %d, want %d", next, tc.n)
			}
			if len(tc.shares) > 1 && tc.shares[1].Share > 0 && tc.n > 10 {
				a, b := cs[0].To-cs[0].From, cs[1].To-cs[1].From
				if want := tc.shares[0].Share / tc.shares[1].Share; float64(a)/float64(b) < want*0.9 || float64(a)/float64(b) > want*1.1 {
					t.Errorf("first chunks %d and %d, want ratio %.2f", a, b, want)
				}
				if last := cs[len(cs)-1]; last.To-last.From > tc.n/8 {
					t.Errorf("last chunk %+v holds more than 1/8 of %d", last, tc.n)
				}
			}
		})
	}
}
