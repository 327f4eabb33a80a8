package transform

import (
	"errors"
	"reflect"
	"testing"
)

func TestFindTaskClass(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		prefer []string
		want   taskClass
		err    error
	}{
		{
			name: "KMP shape",
			src:  "package a.b;\npublic class KMP { String c, p; public KMP(String content, String pattern) {} public int run() { return 0; } private void h() {} }",
			want: taskClass{pkg: "a.b", name: "KMP", ctors: [][]Param{{{"content", "String"}, {"pattern", "String"}}}, runType: "int"},
		},
		{
			name: "implicit constructor, default package",
			src:  "public class B { public void run() {} }",
			want: taskClass{name: "B", ctors: [][]Param{{}}, runType: "void"},
		},
		{
			name: "types as written",
			src:  "public class C { public C(int a[], java.lang.String s, long... v) {} public C(double d) {} public double [] run() { return null; } }",
			want: taskClass{name: "C", ctors: [][]Param{{{"a", "int[]"}, {"s", "java.lang.String"}, {"v", "long..."}}, {{"d", "double"}}}, runType: "double[]"},
		},
		{
			name: "private constructors are skipped",
			src:  "public class D { private D() {} public D(int n) {} public void run() {} }",
			want: taskClass{name: "D", ctors: [][]Param{{{"n", "int"}}}, runType: "void"},
		},
		{
			name:   "preferred among several",
			src:    "public class X { public void run() {} }\npublic class Y { public void run() {} }",
			prefer: []string{"Nope", "Y"},
			want:   taskClass{name: "Y", ctors: [][]Param{{}}, runType: "void"},
		},
		{
			name: "first among several",
			src:  "class H { public void run() {} }\npublic class X { public void run() {} }\npublic class Y { public void run() {} }",
			want: taskClass{name: "X", ctors: [][]Param{{}}, runType: "void"},
		},
		{name: "only private constructor", src: "public class E { private E() {} public void run() {} }", err: ErrNoTaskClass},
		{name: "run takes arguments", src: "public class E { public void run(int x) {} }", err: ErrNoTaskClass},
		{name: "static run", src: "public class E { public static void run() {} }", err: ErrNoTaskClass},
		{name: "private run", src: "public class E { void run() {} }", err: ErrNoTaskClass},
		{name: "not public class", src: "class E { public void run() {} }", err: ErrNoTaskClass},
		{name: "abstract class", src: "public abstract class E { public void run() {} }", err: ErrNoTaskClass},
		{name: "generic class", src: "public class E<T> { public void run() {} }", err: ErrNoTaskClass},
		{name: "interface", src: "public interface E { void run(); }", err: ErrNoTaskClass},
		{name: "no run in nested class only", src: "public class E { public static class I { public void run() {} } }", err: ErrNoTaskClass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findTaskClass([]byte(tt.src), tt.prefer)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("findTaskClass(%q) error = %v, want %v", tt.src, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("findTaskClass(%q) error = %v", tt.src, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findTaskClass(%q) = %+v, want %+v", tt.src, got, tt.want)
			}
		})
	}
}
