package refactor

import (
	"fmt"
	"strings"

	"github.com/csnewman/dextk"
)

// refCache resolves the method, field and type ids of one DEX once each, so that scanning a
// method body only walks its instructions (dextk's ReadCodeAndParse resolves every reference
// of every instruction again).
type refCache struct {
	r       *dextk.Reader
	strings []*string    // by string id
	descs   []*string    // by type id: the descriptor (Ljava/lang/String;)
	protos  []*protoInfo // by proto id
	methods []*invokeRef // by method id; Kind unset
	fields  []*classRef  // by field id; Class and What
}

type protoInfo struct {
	params []string // descriptors
	ret    string
	proto  string // (params)ret
}

func newRefCache(r *dextk.Reader) *refCache {
	// The counts were checked against the file size by checkDEX.
	return &refCache{r: r, strings: make([]*string, r.StringIDCount), descs: make([]*string, r.TypeIDCount),
		protos: make([]*protoInfo, r.ProtoIDCount), methods: make([]*invokeRef, r.MethodIDCount),
		fields: make([]*classRef, r.FieldIDCount)}
}

func (c *refCache) str(id uint32) (string, error) {
	if int(id) >= len(c.strings) {
		return "", dextk.ErrInvalidStringID
	}
	if s := c.strings[id]; s != nil {
		return *s, nil
	}
	v, err := c.r.ReadString(id)
	if err != nil {
		return "", err
	}
	s := v.String()
	c.strings[id] = &s
	return s, nil
}

// desc returns the descriptor of a type id.
func (c *refCache) desc(id uint32) (string, error) {
	if int(id) >= len(c.descs) {
		return "", dextk.ErrInvalidTypeID
	}
	if d := c.descs[id]; d != nil {
		return *d, nil
	}
	t, err := c.r.ReadType(id)
	if err != nil {
		return "", err
	}
	s, err := c.str(t.DescriptorStringID)
	if err != nil {
		return "", err
	}
	c.descs[id] = &s
	return s, nil
}

// typ returns the dotted class of a type id ("" for primitives and arrays of them).
func (c *refCache) typ(id uint32) (string, error) {
	d, err := c.desc(id)
	return descClass(d), err
}

func (c *refCache) typeList(off uint32) ([]string, error) {
	if off == 0 {
		return nil, nil
	}
	l, err := c.r.ReadTypeList(off)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(l.TypeIds))
	for i, t := range l.TypeIds {
		if out[i], err = c.desc(uint32(t)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *refCache) proto(id uint32) (*protoInfo, error) {
	if int(id) >= len(c.protos) {
		return nil, dextk.ErrInvalidProtoID
	}
	if p := c.protos[id]; p != nil {
		return p, nil
	}
	raw, err := c.r.ReadProto(id)
	if err != nil {
		return nil, err
	}
	p := &protoInfo{}
	if p.ret, err = c.desc(raw.ReturnTypeID); err != nil {
		return nil, err
	}
	if p.params, err = c.typeList(raw.ParametersTypeListOff); err != nil {
		return nil, err
	}
	p.proto = "(" + strings.Join(p.params, "") + ")" + p.ret
	c.protos[id] = p
	return p, nil
}

func (c *refCache) method(id uint32) (*invokeRef, error) {
	if int(id) >= len(c.methods) {
		return nil, dextk.ErrInvalidMethodID
	}
	if m := c.methods[id]; m != nil {
		return m, nil
	}
	raw, err := c.r.ReadMethod(id)
	if err != nil {
		return nil, err
	}
	cls, err := c.desc(uint32(raw.ClassTypeID))
	if err != nil {
		return nil, err
	}
	name, err := c.str(raw.NameStringID)
	if err != nil {
		return nil, err
	}
	p, err := c.proto(uint32(raw.ProtoID))
	if err != nil {
		return nil, err
	}
	m := &invokeRef{Class: descClass(cls), Name: name, Proto: p.proto}
	if strings.HasPrefix(cls, "[") {
		m.Class = "" // a method of an array type (clone)
	}
	c.methods[id] = m
	return m, nil
}

func (c *refCache) field(id uint32) (*classRef, error) {
	if int(id) >= len(c.fields) {
		return nil, dextk.ErrInvalidFieldID
	}
	if f := c.fields[id]; f != nil {
		return f, nil
	}
	raw, err := c.r.ReadField(id)
	if err != nil {
		return nil, err
	}
	cls, err := c.typ(uint32(raw.ClassTypeID))
	if err != nil {
		return nil, err
	}
	name, err := c.str(raw.NameStringID)
	if err != nil {
		return nil, err
	}
	f := &classRef{Class: cls, What: cls + "." + name, Kind: "field"}
	c.fields[id] = f
	return f, nil
}

// class reads one class definition with its fields' types and its methods' signatures.
func (c *refCache) class(id uint32, dexName string) (*dexClass, error) {
	def, err := c.r.ReadClassDef(id)
	if err != nil {
		return nil, err
	}
	name, err := c.typ(def.ClassTypeID)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("class %d: not a class type", id)
	}
	cl := &dexClass{Name: name, Flags: def.AccessFlags, DEX: dexName}
	if def.SuperclassTypeID != dextk.NoIndex {
		if cl.Super, err = c.typ(def.SuperclassTypeID); err != nil {
			return nil, err
		}
		if cl.Super == "java.lang.Object" {
			cl.Super = ""
		}
	}
	ifaces, err := c.typeList(def.InterfacesTypeListOff)
	if err != nil {
		return nil, err
	}
	for _, d := range ifaces {
		if n := descClass(d); n != "" {
			cl.Interfaces = append(cl.Interfaces, n)
		}
	}
	if def.ClassDataOff == 0 {
		return cl, nil
	}
	data, err := c.r.ReadClassData(def.ClassDataOff)
	if err != nil {
		return nil, err
	}
	for _, f := range append(data.StaticFields, data.InstanceFields...) {
		raw, err := c.r.ReadField(f.FieldID)
		if err != nil {
			return nil, err
		}
		t, err := c.typ(uint32(raw.TypeID))
		if err != nil {
			return nil, err
		}
		if t != "" {
			cl.Fields = append(cl.Fields, t)
		}
	}
	for _, em := range append(data.DirectMethods, data.VirtualMethods...) {
		raw, err := c.r.ReadMethod(em.MethodID)
		if err != nil {
			return nil, err
		}
		mname, err := c.str(raw.NameStringID)
		if err != nil {
			return nil, err
		}
		p, err := c.proto(uint32(raw.ProtoID))
		if err != nil {
			return nil, err
		}
		cl.Methods = append(cl.Methods, &dexMethod{Class: cl, Name: mname, Params: p.params, Return: p.ret,
			Flags: em.AccessFlags, proto: p.proto, codeOff: em.CodeOff})
	}
	return cl, nil
}

// scan records the invoke targets, class references and catch types of one method body.
func (c *refCache) scan(m *dexMethod, codeOff uint32) error {
	code, err := c.r.ReadCode(codeOff)
	if err != nil {
		return err
	}
	seenRef := map[classRef]bool{}
	ref := func(class, what, kind string) {
		if class == "" || class == m.Class.Name {
			return
		}
		r := classRef{Class: class, What: what, Kind: kind}
		if !seenRef[r] {
			seenRef[r] = true
			m.Refs = append(m.Refs, r)
		}
	}
	typeRef := func(id uint32, prefix, suffix, kind string) error {
		cls, err := c.typ(id)
		if err == nil && cls != "" {
			what := cls
			if prefix != "" || suffix != "" {
				what = prefix + cls + suffix
			}
			ref(cls, what, kind)
		}
		return err
	}
	seenCall := map[invokeRef]bool{}
	invoke := func(id uint32, op dextk.OpCode) error {
		t, err := c.method(id)
		if err != nil {
			return err
		}
		if t.Class == "" { // array clone(): dextk leaves Class empty for array types
			return nil
		}
		inv := *t
		inv.Kind = invokeKind(op)
		if !seenCall[inv] {
			seenCall[inv] = true
			m.Invokes = append(m.Invokes, inv)
		}
		return nil
	}
	var ct costTally
	or := dextk.NewOpReader(code.Insns)
	for or.HasMore() {
		op, err := or.Read()
		if err != nil {
			return err
		}
		oc := op.Code()
		ct.op(op)
		switch {
		case oc == dextk.OpCodeConstClass:
			err = typeRef(uint32(op.Fmt().(dextk.Fmt21c).B), "", ".class", "const-class")
		case oc == dextk.OpCodeCheckCast:
			err = typeRef(uint32(op.Fmt().(dextk.Fmt21c).B), "cast to ", "", "cast")
		case oc == dextk.OpCodeInstanceOf:
			err = typeRef(uint32(op.Fmt().(dextk.Fmt22c).C), "instanceof ", "", "instanceof")
		case oc == dextk.OpCodeNewInstance:
			err = typeRef(uint32(op.Fmt().(dextk.Fmt21c).B), "new ", "", "new")
		case oc == dextk.OpCodeNewArray:
			err = typeRef(uint32(op.Fmt().(dextk.Fmt22c).C), "new ", "[]", "new-array")
		case oc == dextk.OpCodeFilledNewArray:
			err = typeRef(uint32(op.Fmt().(dextk.Fmt35c).B), "new ", "[]", "new-array")
		case oc == dextk.OpCodeFilledNewArrayRange:
			err = typeRef(uint32(op.Fmt().(dextk.Fmt3rc).B), "new ", "[]", "new-array")
		case oc >= 0x52 && oc <= 0x5f: // iget*, iput*
			var f *classRef
			if f, err = c.field(uint32(op.Fmt().(dextk.Fmt22c).C)); err == nil {
				ref(f.Class, f.What, f.Kind)
			}
		case oc >= 0x60 && oc <= 0x6d: // sget*, sput*
			var f *classRef
			if f, err = c.field(uint32(op.Fmt().(dextk.Fmt21c).B)); err == nil {
				ref(f.Class, f.What, f.Kind)
			}
		case oc >= 0x6e && oc <= 0x72: // invoke-kind
			err = invoke(uint32(op.Fmt().(dextk.Fmt35c).B), oc)
		case oc >= 0x74 && oc <= 0x78: // invoke-kind/range
			err = invoke(uint32(op.Fmt().(dextk.Fmt3rc).B), oc)
		case oc >= 0xfa && oc <= 0xff: // invoke-polymorphic/-custom, const-method-handle/-type
			if m.Unsupported == "" {
				m.Unsupported = op.String()
			}
		}
		if err != nil {
			return err
		}
	}
	for _, h := range code.Handlers {
		for _, p := range h.Handlers {
			if err := typeRef(p.TypeID, "catch ", "", "catch"); err != nil {
				return err
			}
		}
	}
	m.Cost = ct.finish()
	for _, inv := range m.Invokes {
		if inv.Class == m.Class.Name && inv.Name == m.Name && inv.Proto == m.Proto() {
			m.Cost.SelfCall = true
		}
	}
	return nil
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
