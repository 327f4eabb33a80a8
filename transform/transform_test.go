package transform_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mamoc-go/mamoc/transform"
)

// examples are the jadx-shaped task sources in ../examples, by directory.
var examples = []struct {
	dir, file string
	want      transform.Task // every field but Source
}{
	{"kmp", "KMP.java", transform.Task{
		Mode: transform.ModeClass, Package: "uk.ac.standrews.cs.mamoc_demo.SearchText", ClassName: "KMP",
		FQCN:       "uk.ac.standrews.cs.mamoc_demo.SearchText.KMP",
		CtorParams: []transform.Param{{"content2", "String"}, {"pattern2", "String"}}, ResourceDependent: true,
		Parallelizable: true, RunReturnType: "int",
	}},
	{"quicksort", "QuickSort.java", transform.Task{
		Mode: transform.ModeClass, Package: "uk.ac.standrews.cs.mamoc_demo.Sorting", ClassName: "QuickSort",
		FQCN:       "uk.ac.standrews.cs.mamoc_demo.Sorting.QuickSort",
		CtorParams: []transform.Param{{"words", "String"}}, ResourceDependent: true, RunReturnType: "void",
	}},
	{"nqueens", "Queens.java", transform.Task{
		Mode: transform.ModeClass, Package: "uk.ac.standrews.cs.mamoc_demo.NQueens", ClassName: "Queens",
		FQCN:       "uk.ac.standrews.cs.mamoc_demo.NQueens.Queens",
		CtorParams: []transform.Param{{"N", "int"}}, RunReturnType: "void",
	}},
	{"fibonacci", "Fibonacci.java", transform.Task{
		Mode: transform.ModeClass, Package: "uk.ac.standrews.cs.mamoc_demo.Fibonacci", ClassName: "Fibonacci",
		FQCN:       "uk.ac.standrews.cs.mamoc_demo.Fibonacci.Fibonacci",
		CtorParams: []transform.Param{{"N", "int"}}, RunReturnType: "void",
	}},
	{"linpack", "Linpack.java", transform.Task{
		Mode: transform.ModeClass, Package: "uk.ac.standrews.cs.mamoc_demo.Linpack", ClassName: "Linpack",
		FQCN:       "uk.ac.standrews.cs.mamoc_demo.Linpack.Linpack",
		CtorParams: []transform.Param{{"n2", "int"}}, RunReturnType: "double",
	}},
}

func readExample(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", dir, file))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	return string(b)
}

const sayHello = `
@Offloadable(resourceDependent = false, parallelizable = true)
public void say_hello () {
    String hello = "Hello, World";
    System.out.print(hello);
}
`

func TestTransformExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.dir, func(t *testing.T) {
			src := readExample(t, ex.dir, ex.file)
			task, err := transform.Transform(src, transform.Options{RPCName: ex.want.FQCN})
			if err != nil {
				t.Fatalf("Transform(%s) error: %v", ex.file, err)
			}
			got := *task
			got.Source = ""
			want := ex.want
			want.Constructors = [][]transform.Param{want.CtorParams}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Transform(%s) = %+v, want %+v", ex.file, got, want)
			}
			if n, m := strings.Count(task.Source, "\n"), strings.Count(src, "\n"); n != m {
				t.Errorf("Transform(%s) has %d lines, want %d (line numbers kept)", ex.file, n, m)
			}
			for _, gone := range []string{"Offloadable", "mamoc_client", "this = new Object()", "compiled from", "static void main"} {
				if strings.Contains(task.Source, gone) {
					t.Errorf("Transform(%s).Source contains %q", ex.file, gone)
				}
			}
			if !strings.HasPrefix(task.Source, "package "+ex.want.Package+";") {
				t.Errorf("Transform(%s).Source does not keep its package", ex.file)
			}
		})
	}
}

func TestTransform(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts transform.Options
		want transform.Task // compared without Source
	}{
		{
			name: "MAMoC TestClient method",
			src:  sayHello,
			opts: transform.Options{RPCName: "uk.ac.standrews.cs.mamoc.say_hello"},
			want: transform.Task{Mode: transform.ModeMethod, Package: "uk.ac.standrews.cs.mamoc", ClassName: "say_helloClass",
				FQCN: "uk.ac.standrews.cs.mamoc.say_helloClass", CtorParams: []transform.Param{}, Constructors: [][]transform.Param{{}},
				Parallelizable: true, RunReturnType: "void"},
		},
		{
			name: "method without rpc name has no package",
			src:  "@Offloadable(resourceDependent = true)\npublic int count(String content, String word) { return content.split(word).length; }",
			want: transform.Task{Mode: transform.ModeMethod, ClassName: "countClass", FQCN: "countClass",
				CtorParams: []transform.Param{{"content", "String"}, {"word", "String"}}, Constructors: [][]transform.Param{{{"content", "String"}, {"word", "String"}}},
				ResourceDependent: true, RunReturnType: "int"},
		},
		{
			name: "wrong package in rpc name (MAMoC's Benchmark) does not matter",
			src:  "package uk.ac.standrews.cs.mamoc_demo.Benchmark;\npublic class Benchmark { public Benchmark() {} public double run() { return 1.0; } }",
			opts: transform.Options{RPCName: "uk.ac.standrews.cs.mamoc.Benchmark.Benchmark"},
			want: transform.Task{Mode: transform.ModeClass, Package: "uk.ac.standrews.cs.mamoc_demo.Benchmark", ClassName: "Benchmark",
				FQCN: "uk.ac.standrews.cs.mamoc_demo.Benchmark.Benchmark", CtorParams: []transform.Param{}, Constructors: [][]transform.Param{{}},
				RunReturnType: "double"},
		},
		{
			name: "annotated class preferred over rpc name",
			src:  "public class Other { public void run() {} }\n@Offloadable\npublic class Task { public void run() {} }",
			opts: transform.Options{RPCName: "x.Other"},
			want: transform.Task{Mode: transform.ModeClass, ClassName: "Task", FQCN: "Task", CtorParams: []transform.Param{}, Constructors: [][]transform.Param{{}}, RunReturnType: "void"},
		},
		{
			name: "byte-order mark and CRLF",
			src:  "\ufeffpackage a;\r\n@Offloadable\r\npublic class A {\r\n  public A(int n) { this = new Object(); }\r\n  public long run() { return 1L; }\r\n}\r\n",
			want: transform.Task{Mode: transform.ModeClass, Package: "a", ClassName: "A", FQCN: "a.A", CtorParams: []transform.Param{{Name: "n", Type: "int"}},
				Constructors: [][]transform.Param{{{Name: "n", Type: "int"}}}, RunReturnType: "long"},
		},
		{
			name: "shims reported",
			src:  "import android.util.Log;\npublic class L { public void run() { Log.d(\"a\", \"b\"); } }",
			want: transform.Task{Mode: transform.ModeClass, ClassName: "L", FQCN: "L", CtorParams: []transform.Param{}, Constructors: [][]transform.Param{{}}, RunReturnType: "void",
				Shims: []string{"android.util.Log"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task, err := transform.Transform(tt.src, tt.opts)
			if err != nil {
				t.Fatalf("Transform(%q) error: %v", tt.src, err)
			}
			got := *task
			got.Source = ""
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Transform(%q) = %+v, want %+v", tt.src, got, tt.want)
			}
		})
	}
}

func TestTransformErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts transform.Options
		is   error
		line int // for syntax errors
	}{
		{name: "empty (MAMoC's Benchmark sends no source)", src: "", is: transform.ErrNoTaskClass},
		{name: "whitespace", src: " \n\t", is: transform.ErrNoTaskClass},
		{name: "no task class", src: "package a;\npublic class A { public void go() {} }", is: transform.ErrNoTaskClass},
		{name: "only fields", src: "int x = 1;", is: transform.ErrNoTaskClass},
		{name: "syntax error keeps the phone's line", src: "package a;\n\nimport uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;\n\n@Offloadable\npublic class A {\n  public A() { this = new Object(); }\n  public void run() { int x = ; }\n}", is: transform.ErrSyntax, line: 8},
		{name: "device-bound", src: "import android.hardware.Camera;\npublic class A { public void run() { Camera.open(); } }", is: transform.ErrNotOffloadable},
		{name: "activity task", src: "import android.app.Activity;\npublic class A extends Activity { public void run() {} }", is: transform.ErrNotOffloadable},
		{name: "too large", src: "public class A { public void run() {} }", opts: transform.Options{MaxSourceBytes: 10}, is: transform.ErrTooLarge},
		{name: "non-ASCII class name", src: "public class Caf\u00e9 { public void run() {} }", is: transform.ErrInvalidName},
		{name: "non-ASCII package", src: "package caf\u00e9;\npublic class A { public void run() {} }", is: transform.ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task, err := transform.Transform(tt.src, tt.opts)
			if !errors.Is(err, tt.is) {
				t.Fatalf("Transform(%q) = %+v, %v, want error %v", tt.src, task, err, tt.is)
			}
			var se *transform.SyntaxError
			if tt.line != 0 && (!errors.As(err, &se) || se.Line != tt.line) {
				t.Errorf("Transform(%q) = %v, want a syntax error on line %d", tt.src, err, tt.line)
			}
		})
	}
}
