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
)

// Procedure is one RPC to register for an analysed app.
type Procedure struct {
	// Name is the WAMP procedure URI: the class FQCN for KindMAMoC,
	// mamoc.app.<package>.<Class>.<method> for KindStatic.
	Name string `json:"name"`
	Kind string `json:"kind"`
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

// staticName is mamoc.app.<package>.<Class>.<method>; Class is relative to the package when the
// class lives inside it (dots kept as URI separators), else the full class name.
func staticName(pkg, class, method string) string {
	rel := class
	if pkg != "" && strings.HasPrefix(class, pkg+".") {
		rel = strings.TrimPrefix(class, pkg+".")
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

// listProcedures picks the offloadable public static methods and MAMoC-shaped classes.
func listProcedures(g *graph, pkg string) (procs []Procedure, skipped []SkippedMethod, roots []int) {
	used := map[string]string{}
	for _, c := range g.order {
		if c.Flags&accPublic == 0 || c.Flags&(accInterface|accAbstract) != 0 {
			continue
		}
		if g.nodes[g.byClass[c]].verdict != VerdictOffloadable {
			continue
		}
		// MAMoC shape: public constructor + public run().
		var ctor, run *dexMethod
		for _, m := range c.Methods {
			switch {
			case m.Name == "<init>" && m.Flags&accPublic != 0 && ctor == nil:
				ctor = m
			case m.Name == "run" && m.Flags&accPublic != 0 && m.Flags&accStatic == 0 && len(m.Params) == 0:
				run = m
			}
		}
		if ctor != nil && run != nil && g.nodes[g.byMethod[ctor]].verdict == VerdictOffloadable &&
			g.nodes[g.byMethod[run]].verdict == VerdictOffloadable {
			p := Procedure{Name: c.Name, Kind: KindMAMoC, Class: c.Name, Method: "run", Returns: javaType(run.Return), Descriptor: ctor.Proto()}
			ok := true
			for _, d := range ctor.Params {
				t := javaType(d)
				ok = ok && convertible(t)
				p.Params = append(p.Params, t)
			}
			loads, why := g.loadable([]int{g.byMethod[ctor], g.byMethod[run]})
			if ok && loads && used[p.Name] == "" {
				used[p.Name] = c.Name
				procs = append(procs, p)
				roots = append(roots, g.byMethod[ctor], g.byMethod[run])
			} else if !ok {
				skipped = append(skipped, SkippedMethod{Method: ctor.Display(), Reason: "constructor parameters are not convertible"})
			} else if !loads {
				skipped = append(skipped, SkippedMethod{Method: ctor.Display(), Reason: why})
			}
		}
		for _, m := range c.Methods {
			if m.Flags&accStatic == 0 || m.Flags&accPublic == 0 || m.Name == "<clinit>" || !m.HasCode {
				continue
			}
			if g.nodes[g.byMethod[m]].verdict != VerdictOffloadable {
				continue
			}
			p := Procedure{Name: staticName(pkg, c.Name, m.Name), Kind: KindStatic, Class: c.Name, Method: m.Name,
				Returns: javaType(m.Return), Descriptor: m.Proto(), Params: []string{}}
			var bad string
			for _, d := range m.Params {
				t := javaType(d)
				if !convertible(t) && bad == "" {
					bad = t
				}
				p.Params = append(p.Params, t)
			}
			if r := javaType(m.Return); r != "void" && !convertible(r) && bad == "" {
				bad = r
			}
			loads, why := g.loadable([]int{g.byMethod[m]})
			switch {
			case !loads:
				skipped = append(skipped, SkippedMethod{Method: m.Display() + m.Proto(), Reason: why})
			case bad != "":
				skipped = append(skipped, SkippedMethod{Method: m.Display() + m.Proto(), Reason: "type " + bad + " is not convertible"})
			case used[p.Name] != "":
				skipped = append(skipped, SkippedMethod{Method: m.Display() + m.Proto(), Reason: "overload of " + used[p.Name] + " already registered as " + p.Name})
			default:
				used[p.Name] = m.Display() + m.Proto()
				procs = append(procs, p)
				roots = append(roots, g.byMethod[m])
			}
		}
	}
	return procs, skipped, roots
}
