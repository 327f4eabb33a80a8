package refactor

import (
	"context"
	"strings"
)

// node is a vertex of the call graph: an app method or a class-load pseudo node.
type node struct {
	m       *dexMethod // nil for a class node
	class   *dexClass
	label   string // evidence label
	out     []int
	blocker *blocker // direct reason, if any
	// results
	verdict  string
	reason   string
	evidence []string
	needs    map[string]bool // shims used in the closure
}

type blocker struct {
	cat    category
	reason string
	target string // last element of the evidence chain
}

// graph is the class hierarchy plus the call graph over the app's own methods.
type graph struct {
	classes  map[string]*dexClass
	order    []*dexClass
	nodes    []*node
	byMethod map[*dexMethod]int
	byClass  map[*dexClass]int
	subs     map[string][]*dexClass // direct app subtypes (classes and interfaces) by super name
	rules    *rules
	edges    int
	touches  map[*dexClass]*touch // classes referencing a device-bound API directly
	shims    map[int][]string     // shim classes referenced directly by a node
	// dirty holds, per class, the first reference in any of its methods to an API a plain JVM
	// lacks (device-bound, or outside the JDK): verifying the class may then fail.
	dirty map[*dexClass]string
	// runtimeShims are the classes (and their methods; nil = all) the runtime supplies.
	runtimeShims map[string][]string
}

// buildGraph links the classes of all DEX files. A class defined twice (multidex) keeps the first.
func buildGraph(ctx context.Context, files []*dexFile, r *rules, shims map[string][]string) (*graph, error) {
	g := &graph{classes: map[string]*dexClass{}, byMethod: map[*dexMethod]int{}, byClass: map[*dexClass]int{},
		subs: map[string][]*dexClass{}, rules: r, runtimeShims: shims, touches: map[*dexClass]*touch{}, dirty: map[*dexClass]string{}, shims: map[int][]string{}}
	for _, f := range files {
		for _, c := range f.Classes {
			if _, dup := g.classes[c.Name]; dup {
				continue
			}
			g.classes[c.Name] = c
			g.order = append(g.order, c)
		}
	}
	for _, c := range g.order {
		g.byClass[c] = g.add(&node{class: c, label: c.Name})
		for _, m := range c.Methods {
			g.byMethod[m] = g.add(&node{m: m, class: c, label: m.Display()})
		}
		for _, s := range append([]string{c.Super}, c.Interfaces...) {
			if s != "" {
				g.subs[s] = append(g.subs[s], c)
			}
		}
	}
	for i, c := range g.order {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		g.linkClass(c)
		for _, m := range c.Methods {
			g.linkMethod(m)
		}
	}
	return g, nil
}

func (g *graph) add(n *node) int {
	g.nodes = append(g.nodes, n)
	return len(g.nodes) - 1
}

func (g *graph) edge(from, to int) {
	if from != to {
		g.nodes[from].out = append(g.nodes[from].out, to)
		g.edges++
	}
}

// touch records how a class references device-bound APIs directly.
type touch struct {
	first string          // first reference, as evidence
	kinds map[string]bool // super, call, new, const-class, cast, instanceof, new-array, field, type
}

// block records a direct reference of node id to an external API of category cat; kind is the
// reference kind ("" for native code and unsupported instructions).
func (g *graph) block(id int, cat category, kind, reason, target, class string) {
	n := g.nodes[id]
	method := ""
	if kind == "call" {
		method = target[strings.LastIndexByte(target, '.')+1:]
	}
	if kind != "" && (cat == catDevice || !onJVM(class) && !g.shimmed(class, method)) {
		if _, ok := g.dirty[n.class]; !ok {
			g.dirty[n.class] = "references " + target + " (" + cat.String() + ")"
		}
	}
	if cat == catShim {
		g.shims[id] = append(g.shims[id], class)
		return
	}
	if cat == catPure {
		return
	}
	if cat == catDevice && kind != "" {
		t := g.touches[n.class]
		if t == nil {
			t = &touch{first: target, kinds: map[string]bool{}}
			g.touches[n.class] = t
		}
		t.kinds[kind] = true
	}
	if n.blocker == nil || cat > n.blocker.cat {
		n.blocker = &blocker{cat: cat, reason: reason, target: target}
	}
}

// linkClass: loading a class needs its supertypes and runs its static initializer.
func (g *graph) linkClass(c *dexClass) {
	id := g.byClass[c]
	for _, s := range append([]string{c.Super}, c.Interfaces...) {
		if s == "" {
			continue
		}
		if sc, ok := g.classes[s]; ok {
			g.edge(id, g.byClass[sc])
			continue
		}
		cat, why := g.rules.classify(s, "")
		if cat == catPure {
			continue
		}
		verb := "extends "
		if s != c.Super {
			verb = "implements "
		}
		g.block(id, cat, "super", verb+s+" ("+cat.String()+", "+why+")", s, s)
	}
	for _, m := range c.Methods {
		if m.Name == "<clinit>" {
			g.edge(id, g.byMethod[m])
		}
	}
}

// refClass adds the dependency of node id on class name: an app class's load node, or the
// category of an external class.
func (g *graph) refClass(id int, name, what, kind string) {
	if name == "" {
		return
	}
	if c, ok := g.classes[name]; ok {
		g.edge(id, g.byClass[c])
		return
	}
	cat, why := g.rules.classify(name, "")
	g.block(id, cat, kind, what+" ("+cat.String()+", "+why+")", what, name)
}

func (g *graph) linkMethod(m *dexMethod) {
	id := g.byMethod[m]
	g.edge(id, g.byClass[m.Class])
	switch {
	case m.Flags&accNative != 0:
		g.block(id, catDevice, "", "native method (ARM code in the APK)", m.Display()+" [native]", "")
	case m.Unsupported != "":
		g.block(id, catDevice, "", "unsupported instruction "+m.Unsupported, m.Display()+" ["+m.Unsupported+"]", "")
	}
	for _, p := range append(append([]string{}, m.Params...), m.Return) {
		if c := descClass(p); c != "" {
			g.refClass(id, c, "type "+c, "type")
		}
	}
	for _, r := range m.Refs {
		if c, ok := g.classes[r.Class]; ok {
			g.edge(id, g.byClass[c])
			if strings.HasPrefix(r.What, "new ") && !strings.HasSuffix(r.What, "[]") {
				g.callbacks(id, c)
			}
			continue
		}
		cat, why := g.rules.classify(r.Class, "")
		g.block(id, cat, r.Kind, r.What+" ("+cat.String()+", "+why+")", r.What, r.Class)
	}
	for _, inv := range m.Invokes {
		g.linkInvoke(id, inv)
	}
	// An abstract or interface method dispatches to every app override.
	if !m.HasCode && m.Flags&accStatic == 0 && m.Flags&accNative == 0 {
		for _, o := range g.overrides(m.Class.Name, m.Name, m.Proto()) {
			g.edge(id, g.byMethod[o])
		}
	}
}

// callbacks: an object of app class c handed to library code may receive calls to any of
// its virtual methods that override a library type's methods.
func (g *graph) callbacks(id int, c *dexClass) {
	for k := c; k != nil; k = g.classes[k.Super] {
		external := false
		for _, s := range append([]string{k.Super}, k.Interfaces...) {
			if _, app := g.classes[s]; s != "" && !app {
				external = true
			}
		}
		for _, m := range k.Methods {
			if m.Flags&accStatic != 0 || m.Name == "<init>" {
				continue
			}
			if external || m.Name == "toString" || m.Name == "equals" || m.Name == "hashCode" || m.Name == "finalize" {
				g.edge(id, g.byMethod[m])
			}
		}
	}
}

func (g *graph) linkInvoke(id int, inv invokeRef) {
	target := inv.Class + "." + inv.Name
	if _, app := g.classes[inv.Class]; !app {
		cat, why := g.rules.classify(inv.Class, inv.Name)
		g.block(id, cat, "call", "calls "+target+" ("+cat.String()+", "+why+")", target, inv.Class)
		return
	}
	// Resolve up the app hierarchy, then fall out to the first external supertype.
	resolved := false
	external := ""
	for cn, depth := inv.Class, 0; cn != "" && depth < 64; depth++ {
		c, ok := g.classes[cn]
		if !ok {
			external = cn
			break
		}
		if m := c.method(inv.Name, inv.Proto); m != nil {
			g.edge(id, g.byMethod[m])
			resolved = true
			break
		}
		// Default/interface methods: look through app interfaces too.
		for _, in := range c.Interfaces {
			if ic, ok := g.classes[in]; ok {
				if m := ic.method(inv.Name, inv.Proto); m != nil {
					g.edge(id, g.byMethod[m])
					resolved = true
				}
			}
		}
		if resolved {
			break
		}
		cn = c.Super
	}
	if !resolved && external != "" {
		cat, why := g.rules.classify(external, inv.Name)
		g.block(id, cat, "call", "calls "+external+"."+inv.Name+" ("+cat.String()+", "+why+")", external+"."+inv.Name, external)
	}
	if inv.Kind == 'v' || inv.Kind == 'i' {
		for _, o := range g.overrides(inv.Class, inv.Name, inv.Proto) {
			g.edge(id, g.byMethod[o])
		}
	}
}

func (c *dexClass) method(name, proto string) *dexMethod {
	if c.byKey == nil {
		c.byKey = make(map[string]*dexMethod, len(c.Methods))
		for _, m := range c.Methods {
			if _, dup := c.byKey[m.Name+m.Proto()]; !dup {
				c.byKey[m.Name+m.Proto()] = m
			}
		}
	}
	return c.byKey[name+proto]
}

// overrides returns the methods name+proto defined by app subtypes of class (transitively).
func (g *graph) overrides(class, name, proto string) []*dexMethod {
	var out []*dexMethod
	seen := map[string]bool{class: true}
	queue := []string{class}
	for len(queue) > 0 {
		cn := queue[0]
		queue = queue[1:]
		for _, s := range g.subs[cn] {
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if m := s.method(name, proto); m != nil && m.HasCode {
				out = append(out, m)
			}
			queue = append(queue, s.Name)
		}
	}
	return out
}

// closureClasses returns the app classes reachable from the given nodes (what a jar must hold).
func (g *graph) closureClasses(start []int) map[string]bool {
	out := map[string]bool{}
	seen := map[int]bool{}
	stack := append([]int{}, start...)
	for _, s := range start {
		seen[s] = true
	}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out[g.nodes[cur].class.Name] = true
		for _, o := range g.nodes[cur].out {
			if !seen[o] {
				seen[o] = true
				stack = append(stack, o)
			}
		}
	}
	return out
}

// classDeps returns the app classes a class file mentions: supertypes and every type its
// methods name (signatures, invoke owners, fields, new, casts, catches). A jar holding a class
// holds its dependencies so the JVM verifier can resolve them.
func (g *graph) classDeps(c *dexClass) []*dexClass {
	var out []*dexClass
	seen := map[string]bool{c.Name: true}
	add := func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		if d, ok := g.classes[name]; ok {
			out = append(out, d)
		}
	}
	add(c.Super)
	for _, i := range c.Interfaces {
		add(i)
	}
	for _, f := range c.Fields {
		add(f)
	}
	for _, m := range c.Methods {
		for _, p := range m.Params {
			add(descClass(p))
		}
		add(descClass(m.Return))
		for _, r := range m.Refs {
			add(r.Class)
		}
		for _, inv := range m.Invokes {
			add(inv.Class)
		}
	}
	return out
}

// jarClasses expands a set of classes to its dependency closure.
func (g *graph) jarClasses(start map[string]bool) map[string]bool {
	out := map[string]bool{}
	var stack []*dexClass
	for name := range start {
		if c, ok := g.classes[name]; ok {
			out[name] = true
			stack = append(stack, c)
		}
	}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range g.classDeps(c) {
			if !out[d.Name] {
				out[d.Name] = true
				stack = append(stack, d)
			}
		}
	}
	return out
}

// loadable reports whether every class reached from nodes verifies on a plain JVM, or the first
// class that does not and why.
func (g *graph) loadable(nodes []int) (bool, string) {
	classes := g.closureClasses(nodes)
	names := sortedKeys(classes)
	for _, name := range names {
		if why, ok := g.dirty[g.classes[name]]; ok {
			return false, "class " + name + " does not verify on a JVM: it " + why
		}
	}
	return true, ""
}

// shimmed reports whether the runtime supplies class (and method, when not "").
func (g *graph) shimmed(class, method string) bool {
	methods, ok := g.runtimeShims[class]
	if !ok {
		return false
	}
	if method == "" || methods == nil {
		return true
	}
	for _, m := range methods {
		if m == method {
			return true
		}
	}
	return false
}

// onJVM reports whether an external class ships with a standard JDK.
func onJVM(class string) bool {
	for _, p := range []string{"java.", "javax.", "org.w3c.dom.", "org.xml.sax.", "org.ietf.jgss."} {
		if strings.HasPrefix(class, p) {
			return true
		}
	}
	return false
}
