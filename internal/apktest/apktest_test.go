package apktest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamoc-go/mamoc/internal/apktest"
)

// TestReadHelper is the test the table below runs in a child process; it does nothing unless
// APKTEST_CHILD is set.
func TestReadHelper(t *testing.T) {
	if os.Getenv("APKTEST_CHILD") == "" {
		t.Skip("run by TestDir in a child process")
	}
	b := apktest.Read(t, "x.apk")
	t.Logf("read %q", b)
}

// TestDir runs TestReadHelper in a child process under each environment and checks that it
// reads the corpus, skips, or fails as documented.
func TestDir(t *testing.T) {
	corpus := t.TempDir()
	if err := os.WriteFile(filepath.Join(corpus, "x.apk"), []byte("apk bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The default, ../shared/corpus/apk beside the module root, exists on some machines: run the
	// absent cases from a copy of go.mod in an empty tree so that it never does.
	mod := filepath.Join(t.TempDir(), "m")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, corpus, ci string
		wantOK                bool
		want                  string
	}{
		{"env set", "", corpus, "", true, `read "apk bytes"`},
		{"default under module root", mod, "", "", true, "SKIP"},
		{"absent in CI", mod, "", "true", false, "CI=true needs it"},
		{"env names a missing directory", "", filepath.Join(corpus, "nope"), "", false, "no such directory"},
		{"file missing from the corpus", "", t.TempDir(), "", false, "x.apk"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestReadHelper$", "-test.v")
			cmd.Dir = tc.dir
			cmd.Env = append(os.Environ(), "APKTEST_CHILD=1", apktest.EnvVar+"="+tc.corpus, "CI="+tc.ci)
			out, err := cmd.CombinedOutput()
			if ok := err == nil; ok != tc.wantOK || !strings.Contains(string(out), tc.want) {
				t.Errorf("TestReadHelper with %s=%q CI=%q: ok = %v, output:\n%s\nwant ok = %v and %q", apktest.EnvVar, tc.corpus, tc.ci, ok, out, tc.wantOK, tc.want)
			}
		})
	}
}
