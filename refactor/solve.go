package refactor

import (
	"sort"
	"strings"
)

// Verdict values of methods and classes.
const (
	VerdictOffloadable = "offloadable"  // nothing reachable touches the device
	VerdictConditional = "conditional"  // offloadable only after shimming or shipping state
	VerdictDevice      = "device-bound" // reaches a device-bound API, native code or an Android component
	VerdictUnsafe      = "unsafe"       // reaches a host effect: process spawning, file or network I/O, threads, System.exit
	VerdictPartial     = "partial"      // class: some methods offloadable, some not
)

// solve computes every node's verdict: a breadth-first search backwards from the blockers of
// each severity gives each node its shortest evidence chain to the worst thing it reaches.
func (g *graph) solve() {
	rev := make([][]int32, len(g.nodes))
	for i, n := range g.nodes {
		for _, o := range n.out {
			rev[o] = append(rev[o], int32(i))
		}
	}
	next := make([]int32, len(g.nodes))
	for _, pass := range []struct {
		verdict string
		match   func(category) bool
	}{
		{VerdictDevice, func(c category) bool { return c == catDevice || c == catReflect }},
		{VerdictUnsafe, func(c category) bool { return c == catEffect }},
		{VerdictConditional, func(c category) bool { return c == catCond }},
	} {
		var queue []int32
		for i, n := range g.nodes {
			if n.verdict == "" && n.blocker != nil && pass.match(n.blocker.cat) {
				n.verdict = pass.verdict
				n.reason = n.blocker.reason
				next[i] = -1
				queue = append(queue, int32(i))
			}
		}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, p := range rev[cur] {
				if pn := g.nodes[p]; pn.verdict == "" {
					pn.verdict = pass.verdict
					next[p] = cur
					queue = append(queue, p)
				}
			}
		}
		for i, n := range g.nodes {
			if n.verdict != pass.verdict || n.evidence != nil {
				continue
			}
			var chain []string
			j := int32(i)
			for steps := 0; j >= 0 && steps < 64; steps++ {
				if g.nodes[j].m != nil || j == int32(i) || next[j] == -1 {
					if l := g.nodes[j].label; len(chain) == 0 || chain[len(chain)-1] != l {
						chain = append(chain, l)
					}
				}
				if next[j] == -1 {
					n.reason = g.nodes[j].blocker.reason
					if j != int32(i) {
						n.reason = "reaches " + n.reason
					}
					chain = append(chain, g.nodes[j].blocker.target)
					break
				}
				j = next[j]
			}
			n.evidence = chain
		}
	}
	// Shims used by offloadable nodes: one backward search per shim class.
	byShim := map[string][]int32{}
	for id, list := range g.shims {
		for _, c := range list {
			byShim[c] = append(byShim[c], int32(id))
		}
	}
	for shim, srcs := range byShim {
		seen := map[int32]bool{}
		queue := append([]int32{}, srcs...)
		for _, q := range queue {
			seen[q] = true
		}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			n := g.nodes[cur]
			if n.needs == nil {
				n.needs = map[string]bool{}
			}
			n.needs[shim] = true
			for _, p := range rev[cur] {
				if !seen[p] {
					seen[p] = true
					queue = append(queue, p)
				}
			}
		}
	}
	for _, n := range g.nodes {
		if n.verdict != "" {
			continue
		}
		n.verdict = VerdictOffloadable
		n.reason = "reaches no device-bound API"
		if len(n.needs) > 0 {
			n.reason += "; needs shims " + strings.Join(sortedKeys(n.needs), ", ")
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
