package refactor

import (
	"sort"

	"github.com/csnewman/dextk"
)

// cost summarises a method body for ranking: how much it computes, judged from its bytecode.
type cost struct {
	Insns    int     // instructions
	Arith    int     // arithmetic and conversion instructions
	Array    int     // array reads, writes, creations and lengths
	Calls    int     // invoke instructions
	Loops    int     // backward branches
	Depth    int     // deepest loop nesting
	Weight   float64 // instructions weighted by kind and by loopIterations^depth
	SelfCall bool    // calls itself directly
}

// loopIterations is the number of iterations a loop is assumed to run when weighing its body.
const loopIterations = 8

// maxLoops bounds the loops of one method that the nesting computation considers.
const maxLoops = 512

// costTally collects a method's instructions while its body is scanned.
type costTally struct {
	c     cost
	ops   []weighedOp
	loops [][2]int // [target, branch] code-unit positions of backward branches
}

type weighedOp struct {
	pos int
	w   float64
}

// op counts one instruction.
func (t *costTally) op(op dextk.Op) {
	oc := op.Code()
	if oc >= 0x100 { // payload pseudo-instructions
		return
	}
	t.c.Insns++
	w := 1.0
	switch {
	case oc >= 0x7b && oc <= 0xe2: // unop, binop, binop/2addr, binop/lit16, binop/lit8
		t.c.Arith++
		w = 2
	case oc == 0x21 || oc >= 0x23 && oc <= 0x26 || oc >= 0x44 && oc <= 0x51: // array-length, new/fill arrays, aget/aput
		t.c.Array++
		w = 2
	case oc >= 0x6e && oc <= 0x78:
		t.c.Calls++
	}
	t.ops = append(t.ops, weighedOp{pos: op.Pos(), w: w})
	off, ok := branchOffset(op)
	if ok && off <= 0 && len(t.loops) < maxLoops {
		t.loops = append(t.loops, [2]int{op.Pos() + off, op.Pos()})
	}
}

// branchOffset returns the relative target of a goto or if instruction, in code units.
func branchOffset(op dextk.Op) (int, bool) {
	switch f := op.Fmt().(type) {
	case dextk.Fmt10t:
		return int(int8(f.A)), true
	case dextk.Fmt20t:
		return int(int16(f.A)), true
	case dextk.Fmt30t:
		return int(int32(f.A)), true
	case dextk.Fmt21t:
		return int(int16(f.B)), true
	case dextk.Fmt22t:
		return int(int16(f.C)), true
	}
	return 0, false
}

// finish weighs every instruction by loopIterations to the power of the loops around it.
// Backward branches to one target (a loop's continue statements) are one loop.
func (t *costTally) finish() cost {
	end := map[int]int{}
	loops := t.loops[:0]
	for _, l := range t.loops {
		if e, ok := end[l[0]]; ok {
			end[l[0]] = max(e, l[1])
			continue
		}
		end[l[0]] = l[1]
		loops = append(loops, l)
	}
	for i := range loops {
		loops[i][1] = end[loops[i][0]]
	}
	t.loops = loops
	t.c.Loops = len(t.loops)
	// A loop's depth is one more than the deepest loop that contains it; loops that overlap
	// without containing each other (code laid out out of order) do not nest.
	depth := make([]int, len(loops))
	order := make([]int, len(loops))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		la, lb := loops[order[a]], loops[order[b]]
		return la[1]-la[0] > lb[1]-lb[0]
	})
	for k, i := range order {
		depth[i] = 1
		for _, j := range order[:k] {
			if loops[j][0] <= loops[i][0] && loops[i][1] <= loops[j][1] {
				depth[i] = max(depth[i], depth[j]+1)
			}
		}
	}
	for _, o := range t.ops {
		d := 0
		for i, l := range loops {
			if o.pos >= l[0] && o.pos <= l[1] {
				d = max(d, depth[i])
			}
		}
		d = min(d, 4)
		t.c.Depth = max(t.c.Depth, d)
		mult := 1.0
		for range d {
			mult *= loopIterations
		}
		t.c.Weight += o.w * mult
	}
	return t.c
}
