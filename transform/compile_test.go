package transform_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/transform"
)

// requireJDK returns the paths of javac and java, skipping the test when they
// are missing outside CI (.ci/deps/transform.sh installs them).
func requireJDK(t *testing.T) (javac, java string) {
	t.Helper()
	javac, err1 := exec.LookPath("javac")
	java, err2 := exec.LookPath("java")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("javac/java not found (run .ci/deps/transform.sh): %v %v", err1, err2)
		}
		t.Skip("javac/java not found; run .ci/deps/transform.sh")
	}
	return javac, java
}

// harnessCase runs one transformed task on a plain JVM the way the guest agent
// does: construct by reflection with typed args, call run(), and report
// MAMoC's output (what run() printed, then its result; "nothing" if empty).
type harnessCase struct {
	key     string
	task    *transform.Task
	args    []string // Java expressions, one per constructor parameter
	getters []string // extra no-arg methods to report after run()
}

func (c harnessCase) java() string {
	types := make([]string, len(c.task.CtorParams))
	for i, p := range c.task.CtorParams {
		types[i] = strings.Replace(p.Type, "...", "[]", 1) + ".class"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "    { Object t = Class.forName(%q).getConstructor(%s).newInstance(%s);\n",
		c.task.FQCN, strings.Join(types, ", "), strings.Join(c.args, ", "))
	fmt.Fprintf(&b, "      System.out.println(%q + \"=\" + run(t));\n", c.key)
	for _, g := range c.getters {
		fmt.Fprintf(&b, "      System.out.println(%q + \"=\" + t.getClass().getMethod(%q).invoke(t));\n", c.key+"."+g, g)
	}
	b.WriteString("    }\n")
	return b.String()
}

const harnessHead = `import java.io.*;
import java.nio.file.*;

public class Main {
  static String run(Object t) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, "UTF-8"));
    Object r;
    try { r = t.getClass().getMethod("run").invoke(t); } finally { System.setOut(old); }
    String out = buf.toString("UTF-8") + (r == null ? "" : String.valueOf(r));
    return out.isEmpty() ? "nothing" : out;
  }
  public static void main(String[] a) throws Exception {
    String text = new String(Files.readAllBytes(Paths.get(a[0])), "UTF-8");
`

// countOverlapping counts occurrences of pat in s, overlapping ones included, as KMP does.
func countOverlapping(s, pat string) int {
	n := 0
	for i := 0; ; {
		j := strings.Index(s[i:], pat)
		if j < 0 {
			return n
		}
		n++
		i += j + 1
	}
}

// TestTransformedExamplesRunOnJVM is the end-to-end check: every example,
// transformed, compiles with the real javac and gives the right answers on a
// plain JVM.
func TestTransformedExamplesRunOnJVM(t *testing.T) {
	javac, java := requireJDK(t)
	dir := t.TempDir()
	srcDir := filepath.Join(dir, "src")
	tasks := map[string]*transform.Task{}
	var files []string
	write := func(task *transform.Task) {
		files = append(files, writeSource(t, srcDir, strings.ReplaceAll(task.Package, ".", "/")+"/"+task.ClassName+".java", task.Source))
	}
	for _, ex := range examples {
		task, err := transform.Transform(readExample(t, ex.dir, ex.file), transform.Options{RPCName: ex.want.FQCN})
		if err != nil {
			t.Fatalf("Transform(%s): %v", ex.file, err)
		}
		tasks[ex.dir] = task
		write(task)
	}
	hello, err := transform.Transform(sayHello, transform.Options{RPCName: "uk.ac.standrews.cs.mamoc.say_hello"})
	if err != nil {
		t.Fatalf("Transform(say_hello): %v", err)
	}
	write(hello)

	cases := []harnessCase{
		{key: "kmp", task: tasks["kmp"], args: []string{"text", `"the"`}},
		{key: "kmp2", task: tasks["kmp"], args: []string{"text", `"lighthouse keeper"`}},
		{key: "kmp0", task: tasks["kmp"], args: []string{"text", `""`}},
		{key: "quicksort", task: tasks["quicksort"], args: []string{"text"}, getters: []string{"isSorted", "size"}},
		{key: "queens", task: tasks["nqueens"], args: []string{"8"}, getters: []string{"getSolutions"}},
		{key: "queens10", task: tasks["nqueens"], args: []string{"10"}, getters: []string{"getSolutions"}},
		{key: "fib", task: tasks["fibonacci"], args: []string{"25"}, getters: []string{"getResult"}},
		{key: "linpack", task: tasks["linpack"], args: []string{"100"}, getters: []string{"getResidual"}},
		{key: "hello", task: hello},
	}
	var main strings.Builder
	main.WriteString(harnessHead)
	for _, c := range cases {
		main.WriteString(c.java())
	}
	main.WriteString("  }\n}\n")
	mainPath := filepath.Join(dir, "src", "Main.java")
	if err := os.WriteFile(mainPath, []byte(main.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, mainPath)

	textPath, err := filepath.Abs(filepath.Join("..", "examples", "testdata", "small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := compileAndRun(t, javac, java, dir, files, textPath)
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("harness printed %q", line)
		}
		got[k] = v
	}
	t.Logf("JVM output:\n%s", out)

	text, err := os.ReadFile(textPath)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"kmp":                   strconv.Itoa(countOverlapping(string(text), "the")),
		"kmp2":                  strconv.Itoa(countOverlapping(string(text), "lighthouse keeper")),
		"kmp0":                  "0",
		"quicksort":             "nothing",
		"quicksort.isSorted":    "true",
		"quicksort.size":        strconv.Itoa(len(strings.Split(strings.TrimRight(string(text), " "), " "))),
		"queens":                "nothing",
		"queens.getSolutions":   "92",
		"queens10.getSolutions": "724",
		"fib":                   "nothing",
		"fib.getResult":         "75025",
		"hello":                 "Hello, World",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("JVM %s = %q, want %q", k, got[k], v)
		}
	}
	// Linpack's normalized residual is O(1) for a correct LU solve; the raw
	// residual must equal what run() divided.
	resid, err := strconv.ParseFloat(got["linpack"], 64)
	if err != nil || resid <= 0 || resid > 50 {
		t.Errorf("JVM linpack = %q, want a normalized residual in (0, 50]", got["linpack"])
	}
	if raw, err := strconv.ParseFloat(got["linpack.getResidual"], 64); err != nil || raw <= 0 || raw > 1e-9 {
		t.Errorf("JVM linpack.getResidual = %q, want a tiny positive residual", got["linpack.getResidual"])
	}
}

// writeSource writes a Java source at root/rel and returns its path.
func writeSource(t *testing.T, root, rel, src string) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// compileAndRun compiles files into dir/classes with javac and runs class
// Main with args, returning its standard output.
func compileAndRun(t *testing.T, javac, java, dir string, files []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	classDir := filepath.Join(dir, "classes")
	jargs := append([]string{"-encoding", "UTF-8", "-Xlint:none", "-d", classDir}, files...)
	if out, err := exec.CommandContext(ctx, javac, jargs...).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, java, append([]string{"-cp", classDir, "Main"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("java Main: %v\n%s%s", err, out, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("java Main stderr:\n%s", stderr.String())
	}
	return string(out)
}
