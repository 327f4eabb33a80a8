package transform

import "testing"

func TestRemoveJadxArtefacts(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			name: "this assignment in constructor",
			src:  "class A {\n  int n;\n  public A(int N) {\n    this = new Object();\n    this.n = N;\n  }\n}",
			want: "class A {\n  int n;\n  public A(int N) {\n\n    this.n = N;\n  }\n}",
		},
		{
			name: "this assignment with java.lang.Object",
			src:  "class A { A() { this = new java.lang.Object(); } }",
			want: "class A { A() {  } }",
		},
		{
			name: "this assignment in a method block",
			src:  "class A { void f() { this = new Object(); g(); } void g() {} }",
			want: "class A { void f() {  g(); } void g() {} }",
		},
		{
			name: "new Object as receiver of own method",
			src:  "class A { A() { new Object().init(); } void init() {} }",
			want: "class A { A() { this.init(); } void init() {} }",
		},
		{
			name: "new Object as receiver of own field",
			src:  "class A { int n; A(int v) { new Object().n = v; } }",
			want: "class A { int n; A(int v) { this.n = v; } }",
		},
		{
			name: "real new Object stays",
			src:  "class A { final Object lock = new Object(); int h() { return new Object().hashCode(); } }",
			want: "class A { final Object lock = new Object(); int h() { return new Object().hashCode(); } }",
		},
		{
			name: "new Object receiver of undeclared method stays",
			src:  "class A { String f() { return new Object().toString(); } }",
			want: "class A { String f() { return new Object().toString(); } }",
		},
		{
			name: "new Object in static context stays",
			src:  "class A { int n; static void f() { new Object().n = 1; } }",
			want: "class A { int n; static void f() { new Object().n = 1; } }",
		},
		{
			name: "anonymous Object subclass stays",
			src:  "class A { void f() { new Object() { }.toString(); } }",
			want: "class A { void f() { new Object() { }.toString(); } }",
		},
		{
			name: "new Object for a declared class type",
			src:  "class A { B b = new Object(); void f() { C c = new Object(), d = new Object(); java.util.ArrayList<String> l = new Object(); } }",
			want: "class A { B b = new B(); void f() { C c = new C(), d = new C(); java.util.ArrayList<String> l = new java.util.ArrayList<String>(); } }",
		},
		{
			name: "new Object for Object, var, arrays stays",
			src:  "class A { Object o = new Object(); void f() { var v = new Object(); Object[] a = {new Object()}; B b = new Object() {}; } }",
			want: "class A { Object o = new Object(); void f() { var v = new Object(); Object[] a = {new Object()}; B b = new Object() {}; } }",
		},
		{
			name: "jadx comments go, others stay",
			src:  "/* compiled from: A.java */\n/* loaded from: classes.dex */\nclass A {\n  /* renamed from: a */\n  int f;\n  /* synthetic */ static int x;\n  // a real comment\n  /* JADX WARNING: Code restructure failed\n     missing block */\n  void g() {}\n}",
			want: "\n\nclass A {\n\n  int f;\n   static int x;\n  // a real comment\n\n\n  void g() {}\n}",
		},
		{
			name: "comment saying this = new Object() stays",
			src:  "class A { // this = new Object();\n}",
			want: "class A { // this = new Object();\n}",
		},
		{
			name: "string literal stays",
			src:  `class A { String s = "this = new Object();"; }`,
			want: `class A { String s = "this = new Object();"; }`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := removeJadxArtefacts([]byte(tt.src))
			if err != nil {
				t.Fatalf("removeJadxArtefacts(%q) error: %v", tt.src, err)
			}
			if string(got) != tt.want {
				t.Errorf("removeJadxArtefacts(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestIsJadxComment(t *testing.T) {
	tests := []struct {
		c    string
		want bool
	}{
		{"/* compiled from: KMP.java */", true},
		{"/* renamed from: uk.ac.X */", true},
		{"/* access modifiers changed from: private */", true},
		{"// JADX WARNING: type inference failed", true},
		{"/* synthetic */", true},
		{"/* bridge */", true},
		{"// lps[0] is always 0", false},
		{"/** Javadoc for run. */", false},
	}
	for _, tt := range tests {
		if got := isJadxComment(tt.c); got != tt.want {
			t.Errorf("isJadxComment(%q) = %v, want %v", tt.c, got, tt.want)
		}
	}
}
