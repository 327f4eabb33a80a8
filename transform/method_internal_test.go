package transform

import (
	"errors"
	"testing"
)

func TestIsMethodSource(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"public void say_hello () { }", true},
		{"import java.util.List;\nstatic int f(List<Integer> l) { return l.size(); }", true},
		{"package a; public class A { public void run() {} }", false},
		{"public enum E { A }", false},
		{"int x = 1;", false},
	}
	for _, tt := range tests {
		got, err := isMethodSource([]byte(tt.src))
		if err != nil || got != tt.want {
			t.Errorf("isMethodSource(%q) = %v, %v, want %v", tt.src, got, err, tt.want)
		}
	}
}

func TestWrapMethod(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		pkg       string
		prefer    []string
		want      string
		wantClass string
		err       error
	}{
		{
			name:      "MAMoC say_hello",
			src:       "@Offloadable(resourceDependent = false, parallelizable = true)\npublic void say_hello () {\n    System.out.print(\"Hello, World\");\n}\n",
			pkg:       "uk.ac.standrews.cs.mamoc",
			want:      "package uk.ac.standrews.cs.mamoc; public class say_helloClass { public say_helloClass() { } public void run() { say_hello(); } @Offloadable(resourceDependent = false, parallelizable = true)\npublic void say_hello () {\n    System.out.print(\"Hello, World\");\n}\n\n}\n",
			wantClass: "say_helloClass",
		},
		{
			name:      "parameters become the constructor's, result returned",
			src:       "import java.util.Arrays;\nint count(String text, int... xs) { return text.length() + xs.length; }",
			want:      "import java.util.Arrays;\npublic class countClass { private final String text; private final int[] xs; public countClass(String text, int... xs) { this.text = text; this.xs = xs; } public int run() { return count(this.text, this.xs); } int count(String text, int... xs) { return text.length() + xs.length; }\n}\n",
			wantClass: "countClass",
		},
		{
			name:      "package in source wins",
			src:       "package a.b;\nvoid run() {}",
			pkg:       "x.y",
			want:      "package a.b;\npublic class runClass { public runClass() { } void run() {}\n}\n",
			wantClass: "runClass",
		},
		{
			name:      "annotated method chosen",
			src:       "void helper() {}\n@Offloadable\npublic void work() { helper(); }",
			want:      "public class workClass { public workClass() { } public void run() { work(); } void helper() {}\n@Offloadable\npublic void work() { helper(); }\n}\n",
			wantClass: "workClass",
		},
		{
			name:      "preferred by rpc name",
			src:       "void a() {}\nvoid b() {}",
			prefer:    []string{"b"},
			want:      "public class bClass { public bClass() { } public void run() { b(); } void a() {}\nvoid b() {}\n}\n",
			wantClass: "bClass",
		},
		{name: "no method", src: "import a.B;", err: ErrNoTaskClass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, class, err := wrapMethod([]byte(tt.src), tt.pkg, tt.prefer)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("wrapMethod(%q) error = %v, want %v", tt.src, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("wrapMethod(%q) error = %v", tt.src, err)
			}
			if string(got) != tt.want || class != tt.wantClass {
				t.Errorf("wrapMethod(%q) = %q, %q\nwant %q, %q", tt.src, got, class, tt.want, tt.wantClass)
			}
			if err := checkSyntax(got); err != nil {
				t.Errorf("wrapMethod(%q) output does not parse: %v", tt.src, err)
			}
		})
	}
}
