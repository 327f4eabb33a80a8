package client

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/gammazero/nexus/v3/wamp"
)

// SplitMode says how a Job's work is divided across sites.
type SplitMode string

// Split modes.
const (
	// SplitNone runs the whole task on one site.
	SplitNone SplitMode = "none"
	// SplitAuto splits by lines when the task is resource-dependent and a resource is given, by
	// range when the constructor ends with two ints and Params fill it (the last two are the
	// range), and not at all otherwise.
	SplitAuto SplitMode = "auto"
	// SplitLines gives each chunk a contiguous range of the resource's lines: the resource goes
	// to each site once, by hash, and each chunk's run names its lines.
	SplitLines SplitMode = "lines"
	// SplitRange appends a sub-range's from and to to each chunk's params: the task's
	// constructor ends with two ints (from, to) and Params are the leading ones.
	SplitRange SplitMode = "range"
)

// Split is a split mode with the range of SplitRange.
type Split struct {
	Mode SplitMode `json:"mode"`
	// From and To bound the range [From, To) of SplitRange.
	From int64 `json:"from,omitempty"`
	To   int64 `json:"to,omitempty"`
}

// ParseSplit reads none, auto, lines or range:FROM:TO ("" means auto).
func ParseSplit(s string) (Split, error) {
	switch s {
	case "", string(SplitAuto):
		return Split{Mode: SplitAuto}, nil
	case string(SplitNone), string(SplitLines):
		return Split{Mode: SplitMode(s)}, nil
	}
	rest, ok := strings.CutPrefix(s, "range:")
	if ok {
		a, b, ok := strings.Cut(rest, ":")
		from, err1 := strconv.ParseInt(a, 10, 64)
		to, err2 := strconv.ParseInt(b, 10, 64)
		if ok && err1 == nil && err2 == nil && from < to {
			return Split{Mode: SplitRange, From: from, To: to}, nil
		}
	}
	return Split{}, fmt.Errorf("split %q, want none, auto, lines or range:FROM:TO with FROM < TO: %w", s, ErrBadArgument)
}

// String returns the form ParseSplit reads.
func (s Split) String() string {
	if s.Mode == SplitRange {
		return fmt.Sprintf("range:%d:%d", s.From, s.To)
	}
	return string(s.Mode)
}

// Merge says how the outputs of a split job's chunks become one output.
type Merge string

// Merges.
const (
	// MergeAuto sums when every chunk's result is a number, else concatenates.
	MergeAuto Merge = "auto"
	// MergeSum adds the chunks' numbers; integers stay integers.
	MergeSum Merge = "sum"
	// MergeConcat joins the chunks' outputs in chunk order, a newline between two outputs when
	// the first does not end with one.
	MergeConcat Merge = "concat"
	// MergeMin and MergeMax take the smallest or largest number.
	MergeMin Merge = "min"
	MergeMax Merge = "max"
)

// ParseMerge reads auto, sum, concat, min or max ("" means auto).
func ParseMerge(s string) (Merge, error) {
	switch m := Merge(s); m {
	case "":
		return MergeAuto, nil
	case MergeAuto, MergeSum, MergeConcat, MergeMin, MergeMax:
		return m, nil
	}
	return "", fmt.Errorf("merge %q, want auto, sum, concat, min or max: %w", s, ErrBadArgument)
}

// number is a chunk's result read as a number: an integer when it has no fraction.
type number struct {
	i     *big.Int // nil for a float
	f     float64
	isInt bool
}

// numberOf reads a chunk's result as a number: run()'s value when the server sent one and the
// task printed nothing else, else the output text.
func numberOf(r Result) (number, bool) {
	text := strings.TrimSpace(r.Output)
	if r.Value != nil && r.Stdout == "" {
		if i, ok := wamp.AsInt64(r.Value); ok {
			if _, isFloat := r.Value.(float64); !isFloat {
				return number{i: big.NewInt(i), isInt: true}, true
			}
		}
		if u, ok := r.Value.(uint64); ok {
			return number{i: new(big.Int).SetUint64(u), isInt: true}, true
		}
	}
	if i, ok := new(big.Int).SetString(text, 10); ok {
		return number{i: i, isInt: true}, true
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && !math.IsNaN(f) {
		return number{f: f}, true
	}
	return number{}, false
}

func (n number) float() float64 {
	if n.isInt {
		f, _ := new(big.Float).SetInt(n.i).Float64()
		return f
	}
	return n.f
}

// mergeOutputs merges the chunks' results in chunk order and returns the output text and value.
func mergeOutputs(m Merge, results []Result) (string, any, error) {
	if len(results) == 1 && m != MergeSum && m != MergeMin && m != MergeMax {
		return results[0].Output, results[0].Value, nil
	}
	nums := make([]number, len(results))
	allNum := true
	for i, r := range results {
		n, ok := numberOf(r)
		nums[i], allNum = n, allNum && ok
	}
	if m == MergeAuto {
		m = MergeConcat
		if allNum {
			m = MergeSum
		}
	}
	if m == MergeConcat {
		var b strings.Builder
		for i, r := range results {
			if i > 0 && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") && r.Output != "" {
				b.WriteByte('\n')
			}
			b.WriteString(r.Output)
		}
		return b.String(), b.String(), nil
	}
	if !allNum {
		for i, r := range results {
			if _, ok := numberOf(r); !ok {
				return "", nil, fmt.Errorf("merge %s: chunk %d output %q is not a number: %w", m, i, trimOutput(r.Output), ErrBadArgument)
			}
		}
	}
	ints := true
	for _, n := range nums {
		ints = ints && n.isInt
	}
	if ints {
		acc := new(big.Int).Set(nums[0].i)
		for _, n := range nums[1:] {
			switch m {
			case MergeSum:
				acc.Add(acc, n.i)
			case MergeMin:
				if n.i.Cmp(acc) < 0 {
					acc.Set(n.i)
				}
			case MergeMax:
				if n.i.Cmp(acc) > 0 {
					acc.Set(n.i)
				}
			}
		}
		if acc.IsInt64() {
			return acc.String(), acc.Int64(), nil
		}
		return acc.String(), acc.String(), nil
	}
	acc := nums[0].float()
	for _, n := range nums[1:] {
		switch f := n.float(); m {
		case MergeSum:
			acc += f
		case MergeMin:
			acc = math.Min(acc, f)
		case MergeMax:
			acc = math.Max(acc, f)
		}
	}
	return strconv.FormatFloat(acc, 'g', -1, 64), acc, nil
}

// trimOutput shortens an output for an error message.
func trimOutput(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
