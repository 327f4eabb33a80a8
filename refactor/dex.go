package refactor

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/csnewman/dextk"
)

// DEX access flags used by the analysis.
const (
	accPublic    = 0x1
	accStatic    = 0x8
	accNative    = 0x100
	accInterface = 0x200
	accAbstract  = 0x400
	accCtor      = 0x10000
)

// dexClass is one class defined by the app's DEX files.
type dexClass struct {
	Name       string // binary name with dots: a.b.Foo$Bar
	Super      string // "" for java.lang.Object
	Interfaces []string
	Flags      uint32
	DEX        string
	Methods    []*dexMethod
	Fields     []string              // field type class names (dotted), for class dependencies
	byKey      map[string]*dexMethod // name+proto → method
}

// dexMethod is one method defined by an app class.
type dexMethod struct {
	Class       *dexClass
	Name        string
	Params      []string // DEX descriptors
	Return      string   // DEX descriptor
	Flags       uint32
	HasCode     bool
	Invokes     []invokeRef
	Refs        []classRef
	Unsupported string // first instruction the analysis cannot follow (invoke-custom, …)
	proto       string
}

type invokeRef struct {
	Class string // dotted
	Name  string
	Proto string // "(params)ret" descriptors
	Kind  byte   // 'v' virtual, 's' super, 'd' direct, 'S' static, 'i' interface
}

type classRef struct {
	Class string // dotted
	What  string // how it is referenced, for evidence: "android.view.View.mParent", "new android.os.Handler"
	Kind  string // field, new, new-array, cast, instanceof, const-class
}

// Proto returns the method's DEX prototype "(params)ret".
func (m *dexMethod) Proto() string {
	if m.proto == "" {
		m.proto = "(" + strings.Join(m.Params, "") + ")" + m.Return
	}
	return m.proto
}

// Key returns the method's identity "a.b.Foo.name(params)ret".
func (m *dexMethod) Key() string { return m.Class.Name + "." + m.Name + m.Proto() }

// Display returns "a.b.Foo.name" for evidence chains.
func (m *dexMethod) Display() string { return m.Class.Name + "." + m.Name }

// dotted converts a DEX class name (a/b/Foo) to a binary name (a.b.Foo).
func dotted(s string) string { return strings.ReplaceAll(s, "/", ".") }

// descClass returns the dotted class of a descriptor's base type, "" for primitives.
func descClass(d string) string {
	d = strings.TrimLeft(d, "[")
	if len(d) > 2 && d[0] == 'L' && d[len(d)-1] == ';' {
		return dotted(d[1 : len(d)-1])
	}
	return ""
}

// dexFile is the parsed form of one classesN.dex.
type dexFile struct {
	Name    string
	Version string
	Classes []*dexClass
	Methods int // method definitions with or without code
}

// parseDEX reads every class and method body of one DEX. Hostile input is checked first
// (checkDEX) and dextk panics are recovered.
func parseDEX(ctx context.Context, name string, b []byte, maxMethods int) (df *dexFile, err error) {
	if err := checkDEX(b, maxMethods); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer func() {
		if p := recover(); p != nil {
			df, err = nil, fmt.Errorf("%s: %w: %w: dextk: %v", name, ErrBadDEX, ErrPanic, p)
		}
	}()
	r, err := dextk.Read(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrBadDEX, err)
	}
	df = &dexFile{Name: name, Version: r.Version}
	// Loop by id: ClassIter.Next does not advance on error (see notes).
	for id := uint32(0); id < r.ClassDefCount; id++ {
		if id%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		cn, err := r.ReadClassAndParse(id)
		if err != nil {
			return nil, fmt.Errorf("%s: class %d: %w: %w", name, id, ErrBadDEX, err)
		}
		c := &dexClass{Name: dotted(cn.Name.String()), Flags: cn.AccessFlags, DEX: name}
		if s := dotted(cn.SuperClass.String()); s != "java.lang.Object" {
			c.Super = s
		}
		for _, i := range cn.Interfaces {
			c.Interfaces = append(c.Interfaces, dotted(i.String()))
		}
		for _, f := range append(cn.StaticFields, cn.InstanceFields...) {
			if fc := descClass(f.Type.String()); fc != "" {
				c.Fields = append(c.Fields, fc)
			}
		}
		for _, mn := range append(cn.DirectMethods, cn.VirtualMethods...) {
			m := &dexMethod{Class: c, Name: mn.Name.String(), Return: mn.ReturnType.String(), Flags: mn.AccessFlags}
			for _, p := range mn.Params {
				m.Params = append(m.Params, p.String())
			}
			if mn.CodeOff != 0 {
				m.HasCode = true
				code, err := r.ReadCodeAndParse(mn.CodeOff)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w: %w", name, m.Key(), ErrBadDEX, err)
				}
				scanCode(m, code.Ops)
				if err := scanCatches(r, m, mn.CodeOff); err != nil {
					return nil, fmt.Errorf("%s: %s: %w: %w", name, m.Key(), ErrBadDEX, err)
				}
			}
			c.Methods = append(c.Methods, m)
			df.Methods++
		}
		df.Classes = append(df.Classes, c)
	}
	return df, nil
}

func protoOf(ref dextk.MethodRef) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for _, p := range ref.Params {
		sb.WriteString(p.String())
	}
	sb.WriteByte(')')
	sb.WriteString(ref.ReturnType.String())
	return sb.String()
}

// scanCode records the invoke targets and class references of one method body.
func scanCode(m *dexMethod, ops []dextk.OpNode) {
	seen := map[classRef]bool{}
	ref := func(class, what, kind string) {
		if class == "" || class == m.Class.Name {
			return
		}
		r := classRef{Class: class, What: what, Kind: kind}
		if !seen[r] {
			seen[r] = true
			m.Refs = append(m.Refs, r)
		}
	}
	field := func(f dextk.FieldRef) {
		c := dotted(f.Class.String())
		ref(c, c+"."+f.Name.String(), "field")
	}
	seenCall := map[invokeRef]bool{}
	for _, op := range ops {
		switch n := op.(type) {
		case dextk.InvokeOpNode:
			c := n.Method.Class.String()
			if c == "" || strings.HasPrefix(c, "[") { // array clone(): dextk leaves Class empty
				continue
			}
			inv := invokeRef{Class: dotted(c), Name: n.Method.Name.String(), Proto: protoOf(n.Method), Kind: invokeKind(n.Raw.Code())}
			if !seenCall[inv] {
				seenCall[inv] = true
				m.Invokes = append(m.Invokes, inv)
			}
		case dextk.IGetOpNode:
			field(n.Field)
		case dextk.IPutOpNode:
			field(n.Field)
		case dextk.SGetOpNode:
			field(n.Field)
		case dextk.SPutOpNode:
			field(n.Field)
		case dextk.NewInstanceOpNode:
			c := dotted(strings.TrimSuffix(strings.TrimPrefix(n.Type.String(), "L"), ";"))
			ref(c, "new "+c, "new")
		case dextk.NewArrayOpNode:
			if c := descClass(n.Type.String()); c != "" {
				ref(c, "new "+c+"[]", "new-array")
			}
		case dextk.CheckCastOpNode:
			if c := descClass(n.Type.String()); c != "" {
				ref(c, "cast to "+c, "cast")
			}
		case dextk.InstanceOfOpNode:
			if c := descClass(n.Type.String()); c != "" {
				ref(c, "instanceof "+c, "instanceof")
			}
		case dextk.ConstOpNode:
			if t, ok := n.Value.(dextk.TypeDescriptor); ok {
				if c := descClass(t.String()); c != "" {
					ref(c, c+".class", "const-class")
				}
			}
		case dextk.UnknownOpNode:
			if m.Unsupported == "" {
				m.Unsupported = n.String()
			}
		}
	}
}

func invokeKind(c dextk.OpCode) byte {
	switch c {
	case dextk.OpCodeInvokeSuper, dextk.OpCodeInvokeSuperRange:
		return 's'
	case dextk.OpCodeInvokeDirect, dextk.OpCodeInvokeDirectRange:
		return 'd'
	case dextk.OpCodeInvokeStatic, dextk.OpCodeInvokeStaticRange:
		return 'S'
	case dextk.OpCodeInvokeInterface, dextk.OpCodeInvokeInterfaceRange:
		return 'i'
	}
	return 'v'
}

// scanCatches records the exception types of a method's catch handlers: a JVM verifier loads them.
func scanCatches(r *dextk.Reader, m *dexMethod, off uint32) error {
	code, err := r.ReadCode(off)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, h := range code.Handlers {
		for _, p := range h.Handlers {
			t, err := r.ReadTypeAndParse(p.TypeID)
			if err != nil {
				return err
			}
			if c := descClass(t.String()); c != "" && !seen[c] && c != m.Class.Name {
				seen[c] = true
				m.Refs = append(m.Refs, classRef{Class: c, What: "catch " + c, Kind: "catch"})
			}
		}
	}
	return nil
}
