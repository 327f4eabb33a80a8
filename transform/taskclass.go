package transform

import (
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// Param is one constructor parameter of a task class.
type Param struct {
	// Name is the parameter's name in the source.
	Name string `json:"name"`
	// Type is the Java type as written, without spaces: "int", "String",
	// "java.lang.String", "int[]" (also for C-style `int a[]`), "String..." for varargs.
	Type string `json:"type"`
}

// taskClass is what findTaskClass learned about the task class.
type taskClass struct {
	pkg     string
	name    string
	ctors   [][]Param // public constructors in source order; one empty list for the implicit one
	runType string    // run()'s return type, e.g. "void", "int", "double"
}

// findTaskClass finds the task class: a public, non-abstract top-level class
// with a public constructor (or none, so the implicit public one) and a
// public, non-static run() taking no arguments. When several qualify, the
// first whose name is in prefer wins, then the first in source order.
func findTaskClass(src []byte, prefer []string) (taskClass, error) {
	d, err := parse(src)
	if err != nil {
		return taskClass{}, err
	}
	defer d.close()
	var pkg string
	var found []taskClass
	for _, n := range children(d.root()) {
		switch n.Kind() {
		case "package_declaration":
			for _, c := range children(n) {
				if name := d.dottedName(c); name != "" {
					pkg = name
				}
			}
		case "class_declaration":
			if tc, ok := d.taskClassOf(n); ok {
				found = append(found, tc)
			}
		}
	}
	if len(found) == 0 {
		return taskClass{}, ErrNoTaskClass
	}
	pick := found[0]
pref:
	for _, p := range prefer {
		for _, tc := range found {
			if tc.name == p {
				pick = tc
				break pref
			}
		}
	}
	pick.pkg = pkg
	return pick, nil
}

func (d *document) taskClassOf(cls *sitter.Node) (taskClass, bool) {
	if !hasModifier(cls, "public") || hasModifier(cls, "abstract") {
		return taskClass{}, false
	}
	name, body := cls.ChildByFieldName("name"), cls.ChildByFieldName("body")
	if name == nil || body == nil {
		return taskClass{}, false
	}
	if cls.ChildByFieldName("type_parameters") != nil {
		return taskClass{}, false // the agent cannot choose type arguments
	}
	tc := taskClass{name: d.text(name)}
	anyCtor := false
	for _, m := range children(body) {
		switch m.Kind() {
		case "constructor_declaration":
			anyCtor = true
			if hasModifier(m, "public") {
				tc.ctors = append(tc.ctors, d.params(m.ChildByFieldName("parameters")))
			}
		case "method_declaration":
			mn, ps := m.ChildByFieldName("name"), m.ChildByFieldName("parameters")
			if mn == nil || d.text(mn) != "run" || ps == nil || ps.NamedChildCount() != 0 {
				continue
			}
			if !hasModifier(m, "public") || hasModifier(m, "static") || hasModifier(m, "abstract") {
				continue
			}
			if t := m.ChildByFieldName("type"); t != nil {
				tc.runType = d.compact(t)
				if dims := m.ChildByFieldName("dimensions"); dims != nil {
					tc.runType += d.compact(dims)
				}
			}
		}
	}
	if !anyCtor {
		tc.ctors = [][]Param{{}}
	}
	if len(tc.ctors) == 0 || tc.runType == "" {
		return taskClass{}, false
	}
	return tc, true
}

// params returns the formal parameters of a constructor or method.
func (d *document) params(ps *sitter.Node) []Param {
	out := []Param{}
	if ps == nil {
		return out
	}
	for _, p := range children(ps) {
		switch p.Kind() {
		case "formal_parameter":
			typ, name := p.ChildByFieldName("type"), p.ChildByFieldName("name")
			if typ == nil || name == nil {
				continue
			}
			t := d.compact(typ)
			if dims := p.ChildByFieldName("dimensions"); dims != nil {
				t += d.compact(dims)
			}
			out = append(out, Param{Name: d.text(name), Type: t})
		case "spread_parameter":
			var t, nm string
			for _, c := range children(p) {
				switch c.Kind() {
				case "modifiers", "...":
				case "variable_declarator":
					if n := c.ChildByFieldName("name"); n != nil {
						nm = d.text(n)
					}
					if dims := c.ChildByFieldName("dimensions"); dims != nil {
						t += d.compact(dims)
					}
				default:
					if c.IsNamed() && !isComment(c) {
						t = d.compact(c) + t
					}
				}
			}
			out = append(out, Param{Name: nm, Type: strings.TrimSpace(t) + "..."})
		}
	}
	return out
}
