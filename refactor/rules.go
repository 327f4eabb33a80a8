package refactor

import (
	_ "embed"
	"strings"
)

// category is how an API outside the app is treated.
type category uint8

const (
	catPure    category = iota // present on any JVM
	catShim                    // Android-only but pure; the runtime supplies a jar or stub
	catCond                    // offloadable only after shimming and shipping state
	catReflect                 // reflection the analysis cannot follow
	catDevice                  // device-bound: never offload
)

func (c category) String() string {
	return [...]string{"pure", "shim", "conditional", "reflection", "device-bound"}[c]
}

//go:embed rules.txt
var rulesText string

// rules maps class/method names and package prefixes to categories.
type rules struct {
	exact    map[string]category // class or class.method
	prefixes map[string]category // package prefix
}

var defaultRules = parseRules(rulesText)

func parseRules(text string) *rules {
	r := &rules{exact: map[string]category{}, prefixes: map[string]category{}}
	cats := map[string]category{"device": catDevice, "pure": catPure, "shim": catShim, "cond": catCond, "reflect": catReflect}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		c, ok := cats[f[0]]
		if !ok {
			panic("refactor: bad rules category " + f[0])
		}
		for _, name := range f[1:] {
			if n, ok := strings.CutPrefix(name, "="); ok {
				r.exact[n] = c
			} else {
				r.prefixes[name] = c
			}
		}
	}
	return r
}

// classify returns the category of an external class, or of a method when method != "".
// Exact entries win, then the longest package prefix; unknown android.*, dalvik.* and
// unresolved third-party classes are device-bound.
func (r *rules) classify(class, method string) (category, string) {
	if method != "" {
		if c, ok := r.exact[class+"."+method]; ok {
			return c, "listed method"
		}
	}
	if c, ok := r.exact[class]; ok {
		return c, "listed class"
	}
	for p := class; ; {
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
		if c, ok := r.prefixes[p]; ok {
			return c, "package " + p
		}
	}
	return catDevice, "unresolved class outside the app"
}
