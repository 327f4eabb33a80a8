package api

import (
	"errors"
	"fmt"
	"time"

	"github.com/gammazero/nexus/v3/wamp"
)

// ErrInvalid is what every Parse function's error matches when a message has the wrong
// shape; the server answers it with ErrBadArgument.
var ErrInvalid = errors.New("bad argument")

// invalid is an ErrInvalid with a formatted message.
func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// str returns d[k] as a string; missing keys and other types give "".
func str(d wamp.Dict, k string) string {
	s, _ := wamp.AsString(d[k])
	return s
}

// integer returns d[k] as an int64; missing keys and other types give 0.
func integer(d wamp.Dict, k string) int64 {
	n, _ := wamp.AsInt64(d[k])
	return n
}

// float returns d[k] as a float64; missing keys and other types give 0.
func float(d wamp.Dict, k string) float64 {
	f, _ := wamp.AsFloat64(d[k])
	return f
}

// boolean returns d[k] as a bool; missing keys and other types give false.
func boolean(d wamp.Dict, k string) bool {
	b, _ := wamp.AsBool(d[k])
	return b
}

// kwargsList is the kwargs of each of xs, as a wire list.
func kwargsList[T interface{ Kwargs() wamp.Dict }](xs []T) wamp.List {
	l := make(wamp.List, len(xs))
	for i, x := range xs {
		l[i] = x.Kwargs()
	}
	return l
}

// seconds is a wire duration in seconds as a time.Duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// nullable is s, or nil (WAMP null) when s is empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// strings returns v as a list of strings, skipping other elements.
func stringList(v any) []string {
	l, _ := wamp.AsList(v)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := wamp.AsString(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// list returns ss as a WAMP list.
func list(ss []string) wamp.List {
	out := make(wamp.List, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// AsString returns v as a string; nil and non-strings give "".
func AsString(v any) string {
	s, _ := wamp.AsString(v)
	return s
}

// IDRequest is the request of a get procedure (ProcExecutionGet, ProcJobGet): kwargs {id}, or
// args [id].
type IDRequest struct {
	ID string
}

// Kwargs returns the request's kwargs.
func (r IDRequest) Kwargs() wamp.Dict { return wamp.Dict{"id": r.ID} }

// ParseIDRequest reads the request of proc: kwargs {id}, or args [id]; a missing id, an id
// that is not a string and anything else are ErrInvalid.
func ParseIDRequest(proc string, args wamp.List, kw wamp.Dict) (IDRequest, error) {
	r, err := readKwargs(proc, kw, "id")
	if err != nil {
		return IDRequest{}, err
	}
	id, err := r.name("id", false)
	if err != nil {
		return IDRequest{}, err
	}
	switch {
	case len(args) > 1 || len(args) == 1 && id != "":
		return IDRequest{}, invalid("%s takes kwargs {id} or args [id]", proc)
	case len(args) == 1:
		s, ok := args[0].(string)
		if !ok || s == "" {
			return IDRequest{}, invalid("%s: args[0] (id) must be a non-empty string, got %s", proc, Describe(args[0]))
		}
		if err := checkName(s); err != nil {
			return IDRequest{}, invalid("%s: id %v", proc, err)
		}
		id = s
	}
	if id == "" {
		return IDRequest{}, invalid("%s needs kwargs {id}", proc)
	}
	return IDRequest{ID: id}, nil
}
