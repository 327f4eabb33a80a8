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
	catEffect                  // acts on the host: processes, files, network, threads, exit
	catReflect                 // reflection the analysis cannot follow
	catDevice                  // device-bound: never offload
)

func (c category) String() string {
	return [...]string{"pure", "shim", "conditional", "host effect", "reflection", "device-bound"}[c]
}

//go:embed rules.txt
var rulesText string

// rules maps class/method names and package prefixes to categories.
type rules struct {
	exact    map[string]category // class or class.method
	prefixes map[string]category // package prefix
	labels   map[string]string   // name or prefix → kind of effect ("process", "file"…)
}

var defaultRules = parseRules(rulesText)

func parseRules(text string) *rules {
	r := &rules{exact: map[string]category{}, prefixes: map[string]category{}, labels: map[string]string{}}
	cats := map[string]category{"device": catDevice, "pure": catPure, "shim": catShim, "cond": catCond, "reflect": catReflect, "effect": catEffect}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		kind, label, _ := strings.Cut(f[0], ":")
		c, ok := cats[kind]
		if !ok {
			panic("refactor: bad rules category " + f[0])
		}
		for _, name := range f[1:] {
			if n, ok := strings.CutPrefix(name, "="); ok {
				r.exact[n] = c
				name = n
			} else {
				r.prefixes[name] = c
			}
			if label != "" {
				r.labels[name] = label
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
			return c, r.why(class+"."+method, "listed method")
		}
	}
	if c, ok := r.exact[class]; ok {
		return c, r.why(class, "listed class")
	}
	for p := class; ; {
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
		if c, ok := r.prefixes[p]; ok {
			return c, r.why(p, "package "+p)
		}
	}
	return catDevice, "unresolved class outside the app"
}

// why names the kind of effect of a listed name ("process spawning"), or else how it matched.
func (r *rules) why(name, matched string) string {
	if l, ok := r.labels[name]; ok {
		return effectLabels[l]
	}
	return matched
}

// effectLabels spell the labels of rules.txt's effect lines in evidence.
var effectLabels = map[string]string{
	"process": "process spawning", "exit": "exits the JVM", "thread": "starts threads",
	"file": "file I/O", "network": "network I/O",
}
