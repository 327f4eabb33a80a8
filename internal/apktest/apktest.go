// Package apktest (directory internal/apktest) finds the corpus of real Android APKs that
// tests read. The corpus is the directory named by the environment variable MAMOC_APK_CORPUS,
// else ../shared/corpus/apk beside the module root. When it is absent a test is skipped, or
// fails when CI=true, so that CI never passes without it.
package apktest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable that points to the corpus directory.
const EnvVar = "MAMOC_APK_CORPUS"

// Dir returns the corpus directory, skipping the test when there is none (failing it under
// CI=true, or when MAMOC_APK_CORPUS names a directory that does not exist).
func Dir(t testing.TB) string {
	t.Helper()
	dir, explicit := os.Getenv(EnvVar), true
	if dir == "" {
		explicit = false
		root, err := moduleRoot()
		if err != nil {
			t.Fatalf("APK corpus: %v", err)
		}
		dir = filepath.Join(root, "..", "shared", "corpus", "apk")
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir
	}
	switch {
	case explicit:
		t.Fatalf("APK corpus %s=%s: no such directory", EnvVar, dir)
	case os.Getenv("CI") == "true":
		t.Fatalf("APK corpus not found at %s: CI=true needs it (set %s)", dir, EnvVar)
	default:
		t.Skipf("APK corpus not found at %s: set %s to the corpus directory to run this test", dir, EnvVar)
	}
	return ""
}

// Read returns the content of the corpus APK name, skipping the test as Dir does when there is
// no corpus and failing it when the corpus lacks name.
func Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatalf("APK corpus: %v", err)
	}
	return b
}

// moduleRoot is the nearest directory at or above the working directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod at or above %s", dir)
		}
	}
}
