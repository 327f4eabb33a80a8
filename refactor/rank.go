package refactor

import (
	"fmt"
	"math"
	"sort"
)

// Candidate is a method worth offloading, with the estimated compute weight of its bytecode.
type Candidate struct {
	Class      string `json:"class"`
	Method     string `json:"method"`
	Descriptor string `json:"descriptor"`
	// Score is log2(1 + weight): instructions weighted by kind (arithmetic and array work
	// count double) and by 8 per enclosing loop, times 8 for recursion, plus the weight of the
	// app methods the method reaches. One point more is twice the work.
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
	Origin  string   `json:"origin"`
	// Procedure is the registered RPC that runs the method, if any.
	Procedure string `json:"procedure,omitempty"`
}

// maxCandidates bounds the report's candidate list.
const maxCandidates = 50

// maxReach bounds the call-graph nodes one method's reach visits.
const maxReach = 512

// rank lists the offloadable methods of the given origins by estimated compute weight, best first.
func rank(g *graph, o origins, origin func(string) bool) []Candidate {
	var out []Candidate
	for _, c := range g.order {
		if !origin(o.of(c.Name)) {
			continue
		}
		for _, m := range c.Methods {
			if !m.HasCode || m.Name == "<clinit>" || m.Name == "<init>" {
				continue
			}
			id := g.byMethod[m]
			if g.nodes[id].verdict != VerdictOffloadable {
				continue
			}
			out = append(out, g.candidate(id, m, o.of(c.Name)))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

func (g *graph) candidate(id int, m *dexMethod, origin string) Candidate {
	c := m.Cost
	own := c.Weight
	reached, reachW, recursive := g.reach(id)
	recursive = recursive || c.SelfCall
	if recursive {
		own *= loopIterations
	}
	score := math.Round(math.Log2(1+own+reachW)*10) / 10
	var why []string
	switch {
	case c.Loops == 1:
		why = append(why, "1 loop")
	case c.Depth > 1:
		why = append(why, fmt.Sprintf("%d loops, nested %d deep", c.Loops, c.Depth))
	case c.Loops > 1:
		why = append(why, fmt.Sprintf("%d loops", c.Loops))
	}
	if recursive {
		why = append(why, "recursive")
	}
	if c.Array > 0 {
		why = append(why, fmt.Sprintf("%d array instructions", c.Array))
	}
	if c.Arith > 0 {
		why = append(why, fmt.Sprintf("arithmetic %d of %d instructions", c.Arith, c.Insns))
	}
	if reached > 0 {
		why = append(why, fmt.Sprintf("reaches %d app methods", reached))
	}
	if len(why) == 0 {
		why = append(why, fmt.Sprintf("%d instructions, no loop", c.Insns))
	}
	return Candidate{Class: m.Class.Name, Method: m.Name, Descriptor: m.Proto(), Score: score, Reasons: why, Origin: origin}
}

// reach walks the call graph from node id (at most maxReach nodes): the methods reached, the sum
// of their weights, and whether a method id calls calls id back (mutual recursion).
func (g *graph) reach(id int) (methods int, weight float64, recursive bool) {
	self := g.nodes[id].m
	seen := map[int]bool{id: true}
	stack := []int{id}
	for len(stack) > 0 && len(seen) < maxReach {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, o := range g.nodes[cur].out {
			if cur == id && g.nodes[o].m != nil && self != nil && g.nodes[o].m.calls(self) {
				recursive = true
			}
			if seen[o] {
				continue
			}
			seen[o] = true
			if m := g.nodes[o].m; m != nil {
				methods++
				weight += m.Cost.Weight
			}
			stack = append(stack, o)
		}
	}
	return methods, weight, recursive
}

// calls reports whether m invokes target directly.
func (m *dexMethod) calls(target *dexMethod) bool {
	for _, inv := range m.Invokes {
		if inv.Name == target.Name && inv.Class == target.Class.Name && inv.Proto == target.Proto() {
			return true
		}
	}
	return false
}
