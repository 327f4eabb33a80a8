package unikerneltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// HostClasses compiles src (FQCN → source) with the host javac into a temp dir and returns the
// classes directory, for benchmarks that compare against a bare JVM.
func HostClasses(tb testing.TB, src map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	var files []string
	for fqcn, code := range src {
		p := filepath.Join(dir, "src", strings.ReplaceAll(fqcn, ".", "/")+".java")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(code), 0o644); err != nil {
			tb.Fatal(err)
		}
		files = append(files, p)
	}
	out, err := exec.Command("javac", append([]string{"-d", filepath.Join(dir, "classes")}, files...)...).CombinedOutput()
	if err != nil {
		tb.Fatalf("javac: %v: %s", err, out)
	}
	return filepath.Join(dir, "classes")
}

// Median returns the median of d (the upper one of an even count); d must not be empty.
func Median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
