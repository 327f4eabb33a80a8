// Package mamoc_test holds the repository-wide checks: one package comment per package, and
// the dependency rules between the parts.
package mamoc_test

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goPackages lists every package directory of the module with its non-test Go files.
func goPackages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != "." || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			pkgs[filepath.Dir(p)] = append(pkgs[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestOnePackageCommentPerPackage(t *testing.T) {
	for dir, files := range goPackages(t) {
		n := 0
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if af.Doc != nil {
				n++
			}
		}
		if n != 1 {
			t.Errorf("package %s has %d package comments, want exactly 1", dir, n)
		}
	}
}

func TestHyphenatedDirectoriesPackageNames(t *testing.T) {
	tests := []struct{ dir, want string }{
		{"unikernel-runtime", "unikernel"},
		{"client-android", "client"},
	}
	for _, tc := range tests {
		out, err := exec.Command("go", "list", "-f", "{{.Name}}", "./"+tc.dir).Output()
		if err != nil {
			t.Fatalf("go list ./%s: %v", tc.dir, err)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("package name of %s = %q, want %q", tc.dir, got, tc.want)
		}
	}
}

// TestForbiddenDependencies keeps the parts apart: the decision engine does no I/O, the phone
// SDK never links server code, and nothing imports a package named runtime of its own.
func TestForbiddenDependencies(t *testing.T) {
	const mod = "github.com/mamoc-go/mamoc/"
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"./decision", []string{"net", "net/http", "os/exec", "database/sql", mod + "server", mod + "repository", mod + "router"}},
		{"./client-android", []string{mod + "server", mod + "repository", mod + "unikernel-runtime", mod + "refactor", "github.com/mattn/go-sqlite3"}},
		{"./client-android/mobile", []string{mod + "server", mod + "repository", mod + "unikernel-runtime", "github.com/mattn/go-sqlite3"}},
		{"./transform", []string{"net", "net/http", mod + "server"}},
		{"./repository", []string{"net/http", mod + "server", mod + "router"}},
		{"./router", []string{mod + "server", mod + "repository", mod + "unikernel-runtime"}},
		{"./unikernel-runtime", []string{mod + "server", mod + "router", "net/http"}},
	}
	for _, tc := range tests {
		out, err := exec.Command("go", "list", "-deps", tc.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", tc.pkg, err)
		}
		deps := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			deps[d] = true
		}
		for _, f := range tc.forbidden {
			if deps[f] {
				t.Errorf("%s depends on %s, which it must not", tc.pkg, f)
			}
		}
	}
}
