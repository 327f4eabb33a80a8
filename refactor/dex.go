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
	Cost        cost   // what the body does, for ranking
	proto       string
	codeOff     uint32
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
	rc := newRefCache(r)
	// Loop by id: ClassIter.Next does not advance on error (see notes).
	for id := uint32(0); id < r.ClassDefCount; id++ {
		if id%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c, err := rc.class(id, name)
		if err != nil {
			return nil, fmt.Errorf("%s: class %d: %w: %w", name, id, ErrBadDEX, err)
		}
		for _, m := range c.Methods {
			if m.codeOff != 0 {
				m.HasCode = true
				if err := rc.scan(m, m.codeOff); err != nil {
					return nil, fmt.Errorf("%s: %s: %w: %w", name, m.Key(), ErrBadDEX, err)
				}
			}
			df.Methods++
		}
		df.Classes = append(df.Classes, c)
	}
	return df, nil
}
