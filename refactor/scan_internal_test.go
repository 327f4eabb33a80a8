package refactor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/csnewman/dextk"
)

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

// TestScanMatchesDextk checks the fast scanner against dextk's own instruction parser on every
// method of the corpus DEX files in testdata.
func TestScanMatchesDextk(t *testing.T) {
	apks, _ := filepath.Glob("testdata/*.apk")
	for _, p := range apks {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		arc, err := unpackAPK(b, (&Config{MaxEntryBytes: 64 << 20, MaxEntries: 1000, MaxDEXFiles: 8, MaxMethods: 65536}).limits())
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range arc.dexNames {
			data := arc.dex[name]
			df, err := parseDEX(context.Background(), name, data, 65536)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := dextk.Read(bytes.NewReader(data))
			checked := 0
			for id := uint32(0); id < r.ClassDefCount; id++ {
				cn, err := r.ReadClassAndParse(id)
				if err != nil {
					t.Fatal(err)
				}
				cls := df.Classes[id]
				if want := dotted(cn.Name.String()); cls.Name != want || len(cls.Methods) != len(cn.DirectMethods)+len(cn.VirtualMethods) {
					t.Fatalf("class %d = %s with %d methods, dextk %s", id, cls.Name, len(cls.Methods), want)
				}
				for i, mn := range append(cn.DirectMethods, cn.VirtualMethods...) {
					if mn.CodeOff == 0 {
						continue
					}
					code, err := r.ReadCodeAndParse(mn.CodeOff)
					if err != nil {
						t.Fatal(err)
					}
					want := &dexMethod{Class: cls}
					scanCode(want, code.Ops)
					got := cls.Methods[i]
					wantProto := "("
					for _, p := range mn.Params {
						wantProto += p.String()
					}
					wantProto += ")" + mn.ReturnType.String()
					if got.Name != mn.Name.String() || got.Proto() != wantProto {
						t.Errorf("method %s%s, dextk %s%s", got.Name, got.Proto(), mn.Name, wantProto)
					}
					if !sameInvokes(got.Invokes, want.Invokes) || !sameRefs(got.Refs, want.Refs) {
						t.Errorf("%s %s: scan = %v %v, dextk = %v %v", filepath.Base(p), got.Key(), got.Invokes, got.Refs, want.Invokes, want.Refs)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Errorf("%s: no method checked", p)
			}
		}
	}
}

func sameInvokes(a, b []invokeRef) bool {
	key := func(l []invokeRef) []string {
		var out []string
		for _, x := range l {
			// dextk names an array's clone() after the element class; the scanner skips it.
			if x.Name == "clone" && x.Proto == "()Ljava/lang/Object;" && x.Kind == 'v' {
				continue
			}
			out = append(out, x.Class+"."+x.Name+x.Proto+string(x.Kind))
		}
		sort.Strings(out)
		return out
	}
	return reflect.DeepEqual(key(a), key(b))
}

// sameRefs compares the references dextk's parser sees (it has no catch handlers).
func sameRefs(a, b []classRef) bool {
	key := func(l []classRef) []string {
		var out []string
		for _, x := range l {
			if x.Kind != "catch" {
				out = append(out, x.Kind+" "+x.What)
			}
		}
		sort.Strings(out)
		return out
	}
	return reflect.DeepEqual(key(a), key(b)) || strings.Join(key(a), ",") == strings.Join(key(b), ",")
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
