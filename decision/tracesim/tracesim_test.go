package tracesim_test

import (
	"testing"

	"github.com/mamoc-go/mamoc/decision/tracesim"
)

// TestRunAll replays every scenario with every policy and checks what the simulation is for:
// mamoc's engine completes tasks faster on average than always-local and than MAMoC's rule (as
// published and as coded) in every scenario, and it is deterministic.
func TestRunAll(t *testing.T) {
	const n = 240
	rs := tracesim.RunAll(n, 7)
	t.Logf("\n%s", tracesim.Table(rs))
	by := map[string]map[string]tracesim.Result{}
	for _, r := range rs {
		if by[r.Scenario] == nil {
			by[r.Scenario] = map[string]tracesim.Result{}
		}
		by[r.Scenario][r.Policy] = r
		if r.Tasks != n || !(r.MeanSec > 0) || !(r.MeanJoules > 0) {
			t.Errorf("%s/%s = %+v, want %d tasks with positive time and energy", r.Scenario, r.Policy, r, n)
		}
	}
	if len(by) != 4 {
		t.Fatalf("RunAll() covered %d scenarios, want 4", len(by))
	}
	for sc, ps := range by {
		m := ps["mamoc"]
		for _, other := range []string{"always local", "MAMoC's rule", "MAMoC as coded"} {
			if m.MeanSec >= ps[other].MeanSec {
				t.Errorf("%s: mamoc mean %.3f s, want below %s's %.3f s", sc, m.MeanSec, other, ps[other].MeanSec)
			}
		}
		if ps["always local"].Offloaded != 0 || ps["always local"].Failed != 0 {
			t.Errorf("%s: always local = %+v, want nothing offloaded", sc, ps["always local"])
		}
	}
	if gone := by["edge disappears"]; gone["always edge"].Failed == 0 || gone["always edge"].Offloaded == n {
		t.Errorf("edge disappears: always edge = %+v, want failures and local runs after the edge left", gone["always edge"])
	}
	again := tracesim.RunAll(n, 7)
	for i := range rs {
		if rs[i] != again[i] {
			t.Errorf("RunAll() not deterministic: %+v then %+v", rs[i], again[i])
		}
	}
}
