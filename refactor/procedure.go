package refactor

import (
	"context"
	"strings"
)

// Procedure kinds.
const (
	// KindStatic is a public static method: args are converted by Params, the result is the return
	// value; for a void method the result is the array arguments after the call (in-place algorithms).
	KindStatic = "static"
	// KindMAMoC is a MAMoC-shaped class: construct with Params (the public constructor), then call run().
	KindMAMoC = "mamoc"
	// KindInstance is a public instance method: construct the class with one of Ctors (kwargs
	// "ctor", picked by arity), then call Method with Params (kwargs "args", or the positional
	// args with the no-argument constructor). The result is the return value; an object comes
	// back as its public fields, and a void method returns the object after the call.
	KindInstance = "instance"
)

// Procedure is one RPC to register for an analysed app.
type Procedure struct {
	// Name is the WAMP procedure URI: the class FQCN for KindMAMoC,
	// mamoc.app.<package>.<Class>.<method> for KindStatic and KindInstance, with <Class> relative
	// to the app package tree that holds it.
	Name string `json:"name"`
	// Aliases are other URIs of the same procedure: names published by earlier versions.
	Aliases []string `json:"aliases,omitempty"`
	Kind    string   `json:"kind"`
	// Class is the JVM binary class name in the jar (a.b.Foo$Bar).
	Class string `json:"class"`
	// Method is the method to invoke ("run" for KindMAMoC).
	Method string `json:"method"`
	// Params are the Java type names of the arguments as java.lang.Class.getTypeName prints them:
	// int, byte[], int[][], java.lang.String (constructor parameters for KindMAMoC).
	Params []string `json:"params"`
	// Returns is the Java type name of the result ("void" for none).
	Returns string `json:"returns"`
	// Descriptor is the JVM method descriptor, e.g. ([B[B)V.
	Descriptor string `json:"descriptor"`
	// Ctors are the parameter types of the public constructors a KindInstance call may use.
	Ctors [][]string `json:"ctors,omitempty"`
	// Origin is OriginApp or OriginLibrary (registered only with Config.RegisterLibraries).
	Origin string `json:"origin,omitempty"`
}

// AppInfo identifies the app whose procedures are registered.
type AppInfo struct {
	JobID     string `json:"job"`
	Package   string `json:"package"`
	Version   string `json:"version,omitempty"`
	APKSHA256 string `json:"apk_sha256"`
	JarSHA256 string `json:"jar_sha256"`
	// Shims are the runtime shim classes (Config.Shims) the procedures can reach.
	Shims []string `json:"shims,omitempty"`
}

// Registrar registers linked procedures with the runtime. The server implements it: the runtime
// loads jar in a sandboxed JVM and invokes Procedure.Class/Method with arguments converted by
// Procedure.Params. RegisterProcedures must be idempotent for the same app and jar.
type Registrar interface {
	RegisterProcedures(ctx context.Context, app AppInfo, jar []byte, procs []Procedure) error
}

// javaType converts a DEX descriptor to a Java type name (int, byte[], java.lang.String[]).
func javaType(d string) string {
	dims := 0
	for dims < len(d) && d[dims] == '[' {
		dims++
	}
	base := d[dims:]
	var name string
	switch base {
	case "Z":
		name = "boolean"
	case "B":
		name = "byte"
	case "S":
		name = "short"
	case "C":
		name = "char"
	case "I":
		name = "int"
	case "J":
		name = "long"
	case "F":
		name = "float"
	case "D":
		name = "double"
	case "V":
		name = "void"
	default:
		name = descClass(base)
	}
	return name + strings.Repeat("[]", dims)
}

// convertible reports whether a value of Java type t can be passed as a WAMP argument.
func convertible(t string) bool {
	base := strings.TrimRight(t, "[]")
	dims := (len(t) - len(base)) / 2
	switch base {
	case "boolean", "byte", "short", "char", "int", "long", "float", "double":
		return dims <= 2
	case "java.lang.String", "java.lang.Integer", "java.lang.Long", "java.lang.Double", "java.lang.Float",
		"java.lang.Boolean", "java.lang.Short", "java.lang.Byte", "java.lang.Character":
		return dims <= 1
	}
	return false
}

// uriPart keeps a WAMP URI component free of '.', '#' and whitespace.
func uriPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '#', ' ', '\t', '\n':
			return '_'
		}
		return r
	}, s)
}

// methodName is mamoc.app.<package>.<Class>.<method>, Class relative to the app package tree
// (root) that holds the class, or the full class name outside every tree.
func methodName(pkg, root, class, method string) string {
	rel := class
	if root != "" && strings.HasPrefix(class, root+".") {
		rel = strings.TrimPrefix(class, root+".")
	}
	parts := []string{"mamoc", "app"}
	if pkg != "" {
		parts = append(parts, strings.Split(pkg, ".")...)
	}
	for _, p := range strings.Split(rel, ".") {
		parts = append(parts, uriPart(p))
	}
	parts = append(parts, uriPart(method))
	return strings.Join(parts, ".")
}

// plainParams converts descriptors to Java type names and returns the first that does not
// convert ("" when all do).
func plainParams(ds []string) (types []string, bad string) {
	types = []string{}
	for _, d := range ds {
		t := javaType(d)
		if !convertible(t) && bad == "" {
			bad = t
		}
		types = append(types, t)
	}
	return types, bad
}

// objectMethods are java.lang.Object's (and Comparable's) methods: never procedures.
var objectMethods = map[string]bool{"toString": true, "equals": true, "hashCode": true, "clone": true,
	"finalize": true, "compareTo": true, "run": false}

// accessor reports a trivial getter or setter: no loop, no call, a few instructions.
func accessor(m *dexMethod) bool {
	if !strings.HasPrefix(m.Name, "get") && !strings.HasPrefix(m.Name, "set") && !strings.HasPrefix(m.Name, "is") {
		return false
	}
	return m.Cost.Loops == 0 && m.Cost.Calls == 0 && m.Cost.Insns <= 8
}

// lister picks the procedures of one app.
type lister struct {
	g       *graph
	pkg     string
	o       origins
	libs    bool
	procs   []Procedure
	skipped []SkippedMethod
	roots   []int
	used    map[string]string // name → method display
}

// listProcedures picks the offloadable public static methods, public instance methods of
// classes with plain constructors, and MAMoC-shaped classes of the app's own code (and of its
// libraries when libs is set).
func listProcedures(g *graph, pkg string, o origins, libs bool) (procs []Procedure, skipped []SkippedMethod, roots []int) {
	l := &lister{g: g, pkg: pkg, o: o, libs: libs, used: map[string]string{}}
	for _, c := range g.order {
		if c.Flags&accPublic == 0 || c.Flags&(accInterface|accAbstract) != 0 {
			continue
		}
		if g.nodes[g.byClass[c]].verdict != VerdictOffloadable {
			continue
		}
		if o.of(c.Name) == OriginLibrary && !libs {
			continue
		}
		l.class(c)
	}
	return l.procs, l.skipped, l.roots
}

func (l *lister) offloadable(m *dexMethod) bool {
	return l.g.nodes[l.g.byMethod[m]].verdict == VerdictOffloadable
}

// returnOK reports whether a result of Java type t can be sent back: a plain value, or an app
// object (as its public fields).
func (l *lister) returnOK(t string) bool {
	_, app := l.g.classes[strings.TrimRight(t, "[]")]
	return t == "void" || convertible(t) || app && !strings.HasSuffix(t, "[]")
}

// names returns the procedure name of class.method and the name earlier versions published,
// when it differs: the class relative to the manifest package only.
func (l *lister) names(class, method string) (string, []string) {
	root := l.o.root(class)
	if l.pkg != "" && strings.HasPrefix(class, l.pkg+".") {
		root = l.pkg // inside the manifest package: relative to it, as always
	}
	name := methodName(l.pkg, root, class, method)
	old := methodName(l.pkg, l.pkg, class, method)
	if old == name {
		return name, nil
	}
	if l.used[name] != "" {
		return old, nil
	}
	return name, []string{old}
}

func (l *lister) add(p Procedure, display string, nodes ...int) {
	ok, why := l.g.loadable(nodes)
	switch {
	case !ok:
		l.skipped = append(l.skipped, SkippedMethod{Method: display, Reason: why})
	case l.used[p.Name] != "":
		l.skipped = append(l.skipped, SkippedMethod{Method: display, Reason: "overload of " + l.used[p.Name] + " already registered as " + p.Name})
	default:
		l.used[p.Name] = display
		for _, a := range p.Aliases {
			l.used[a] = display
		}
		l.procs = append(l.procs, p)
		l.roots = append(l.roots, nodes...)
	}
}

func (l *lister) class(c *dexClass) {
	g := l.g
	origin := l.o.of(c.Name)
	// MAMoC shape: public constructor + public run(); instance methods need plain constructors.
	var ctor, run *dexMethod
	var ctors []*dexMethod
	var ctorTypes [][]string
	for _, m := range c.Methods {
		switch {
		case m.Name == "<init>" && m.Flags&accPublic != 0:
			if ctor == nil {
				ctor = m
			}
			if types, bad := plainParams(m.Params); bad == "" && l.offloadable(m) {
				ctors = append(ctors, m)
				ctorTypes = append(ctorTypes, types)
			}
		case m.Name == "run" && m.Flags&accPublic != 0 && m.Flags&accStatic == 0 && len(m.Params) == 0:
			run = m
		}
	}
	mamoc := false
	if ctor != nil && run != nil && l.offloadable(ctor) && l.offloadable(run) {
		p := Procedure{Name: c.Name, Kind: KindMAMoC, Class: c.Name, Method: "run", Returns: javaType(run.Return),
			Descriptor: ctor.Proto(), Origin: origin}
		var bad string
		p.Params, bad = plainParams(ctor.Params)
		if bad != "" {
			l.skipped = append(l.skipped, SkippedMethod{Method: ctor.Display(), Reason: "constructor parameters are not convertible"})
		} else {
			n := len(l.procs)
			l.add(p, ctor.Display(), g.byMethod[ctor], g.byMethod[run])
			mamoc = len(l.procs) > n
		}
	}
	for _, m := range c.Methods {
		static := m.Flags&accStatic != 0
		if m.Flags&accPublic == 0 || m.Name == "<clinit>" || m.Name == "<init>" || !m.HasCode || !l.offloadable(m) {
			continue
		}
		if !static && (objectMethods[m.Name] || accessor(m) || mamoc && m.Name == "run" && len(m.Params) == 0) {
			continue
		}
		display := m.Display() + m.Proto()
		if !static && len(ctors) == 0 {
			continue // no plain public constructor: listed among the candidates only
		}
		name, aliases := l.names(c.Name, m.Name)
		p := Procedure{Name: name, Aliases: aliases, Kind: KindStatic, Class: c.Name, Method: m.Name,
			Returns: javaType(m.Return), Descriptor: m.Proto(), Origin: origin}
		var bad string
		p.Params, bad = plainParams(m.Params)
		if bad == "" && !l.returnOK(p.Returns) {
			bad = p.Returns
		}
		if bad != "" {
			l.skipped = append(l.skipped, SkippedMethod{Method: display, Reason: "type " + bad + " is not convertible"})
			continue
		}
		nodes := []int{g.byMethod[m]}
		if !static {
			p.Kind, p.Ctors = KindInstance, ctorTypes
			for _, k := range ctors {
				nodes = append(nodes, g.byMethod[k])
			}
		}
		l.add(p, display, nodes...)
	}
}
