package api

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gammazero/nexus/v3/wamp"
)

// Bounds of the mamoc.* kwargs.
const (
	// MaxTimeoutMS is the largest timeout_ms a call may ask for (24 hours); the server may
	// allow less (its largest task wall time).
	MaxTimeoutMS = 24 * 60 * 60 * 1000
	// MaxNameBytes bounds a task name (rpcname, task), a resource name and an id.
	MaxNameBytes = 255
)

// kwargs reads the kwargs of one procedure's request, naming the field and what it allows in
// every error (an ErrInvalid, which the server answers with ErrBadArgument).
type kwargs struct {
	proc string
	kw   wamp.Dict
}

// readKwargs refuses a key of kw that is not in allowed.
func readKwargs(proc string, kw wamp.Dict, allowed ...string) (kwargs, error) {
	for k := range kw {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return kwargs{}, invalid("%s takes no kwargs, got %q", proc, k)
			}
			return kwargs{}, invalid("%s: unknown kwarg %q (allowed: %s)", proc, k, strings.Join(allowed, ", "))
		}
	}
	return kwargs{proc: proc, kw: kw}, nil
}

// str returns kwarg k as a string: "" when absent or null; required refuses "".
func (r kwargs) str(k string, required bool) (string, error) {
	v, present := r.kw[k]
	if !present || v == nil {
		if required {
			return "", invalid("%s: kwarg %s is required (a string)", r.proc, k)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", invalid("%s: kwarg %s must be a string, got %s", r.proc, k, Describe(v))
	}
	if required && s == "" {
		return "", invalid("%s: kwarg %s must not be empty", r.proc, k)
	}
	return s, nil
}

// name returns kwarg k as a name: a string of at most MaxNameBytes without whitespace or
// control characters.
func (r kwargs) name(k string, required bool) (string, error) {
	s, err := r.str(k, required)
	if err != nil || s == "" {
		return s, err
	}
	if err := checkName(s); err != nil {
		return "", invalid("%s: kwarg %s %v", r.proc, k, err)
	}
	return s, nil
}

func checkName(s string) error {
	if len(s) > MaxNameBytes {
		return fmt.Errorf("must be at most %d bytes, got %d", MaxNameBytes, len(s))
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f || c == '\uFFFD' {
			return fmt.Errorf("must have no whitespace or control characters, got %q", s)
		}
	}
	return nil
}

// list returns kwarg k as a list; nil when absent or null.
func (r kwargs) list(k string) ([]any, error) {
	v, present := r.kw[k]
	if !present || v == nil {
		return nil, nil
	}
	l, ok := wamp.AsList(v)
	if !ok {
		return nil, invalid("%s: kwarg %s must be a list, got %s", r.proc, k, Describe(v))
	}
	return l, nil
}

// integer returns kwarg k as an integer in [lo, hi]; absent or null gives ok false.
func (r kwargs) integer(k string, lo, hi int64) (n int64, ok bool, err error) {
	v, present := r.kw[k]
	if !present || v == nil {
		return 0, false, nil
	}
	n, isInt := AsInteger(v)
	if !isInt || n < lo || n > hi {
		return 0, false, invalid("%s: kwarg %s must be an integer from %d to %d, got %s", r.proc, k, lo, hi, Describe(v))
	}
	return n, true, nil
}

// lineRange returns kwarg k as a LineRange: a list of two integers [FROM, TO] with
// 0 <= FROM < TO <= math.MaxInt32; nil when absent or null.
func (r kwargs) lineRange(k string) (*LineRange, error) {
	v, present := r.kw[k]
	if !present || v == nil {
		return nil, nil
	}
	l, ok := wamp.AsList(v)
	if ok && len(l) == 2 {
		from, ok1 := AsInteger(l[0])
		to, ok2 := AsInteger(l[1])
		if ok1 && ok2 && from >= 0 && from < to && to <= math.MaxInt32 {
			return &LineRange{From: int(from), To: int(to)}, nil
		}
	}
	return nil, invalid("%s: kwarg %s must be [FROM, TO], two integers with 0 <= FROM < TO (zero-based, TO excluded), got %s",
		r.proc, k, describeList(v))
}

// describeList names v like Describe, listing a short list's items.
func describeList(v any) string {
	l, ok := wamp.AsList(v)
	if !ok || len(l) > 4 {
		return Describe(v)
	}
	items := make([]string, len(l))
	for i, x := range l {
		items[i] = Describe(x)
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// sha256 returns kwarg k as a hex SHA-256 ("" when absent or null).
func (r kwargs) sha256(k string) (string, error) {
	s, err := r.str(k, false)
	if err != nil || s == "" {
		return s, err
	}
	if !IsSHA256(s) {
		return "", invalid("%s: kwarg %s must be a SHA-256 as 64 lowercase hex digits, got %s", r.proc, k, Describe(s))
	}
	return s, nil
}

// IsSHA256 reports whether s is 64 lowercase hex digits.
func IsSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// AsInteger returns v as an int64 when it is an integer (of any Go integer type, or a float
// with no fraction) that fits.
func AsInteger(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case float32:
		return AsInteger(float64(x))
	}
	return 0, false
}

// Describe names a value in an error: its JSON-like form, shortened, with its kind.
func Describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case []byte:
		return fmt.Sprintf("%d bytes", len(x))
	case float32, float64:
		return fmt.Sprintf("the number %v", x)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("the integer %v", x)
	}
	if _, ok := wamp.AsList(v); ok {
		return "a list"
	}
	if _, ok := wamp.AsDict(v); ok {
		return "a map"
	}
	return fmt.Sprintf("a value of type %T", v)
}

// ParseNoArgs checks the request of a procedure that takes no arguments (ProcTaskList,
// ProcStatsGet).
func ParseNoArgs(proc string, args wamp.List, kw wamp.Dict) error {
	if len(args) > 0 {
		return invalid("%s takes no args, got %d", proc, len(args))
	}
	_, err := readKwargs(proc, kw)
	return err
}
