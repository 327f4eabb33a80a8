// Package mamoc_test holds the repository-wide checks: one package comment per package, the
// dependency rules between the parts, wire names spelled only in the contract package, and
// package testing only in tests.
package mamoc_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// contractPkg is the package that holds the wire contract: every procedure, topic and error URI
// and the kwargs types of the mamoc API, spelled once.
const contractPkg = "server/api"

// TestContractImportsNothingOfTheProject keeps the wire contract importable by any client: it
// depends on no other package of mamoc.
func TestContractImportsNothingOfTheProject(t *testing.T) {
	const mod = "github.com/mamoc-go/mamoc"
	out, err := exec.Command("go", "list", "-deps", "./"+contractPkg).Output()
	if err != nil {
		t.Fatalf("go list -deps ./%s: %v", contractPkg, err)
	}
	for _, d := range strings.Fields(string(out)) {
		if (d == mod || strings.HasPrefix(d, mod+"/")) && d != mod+"/"+contractPkg {
			t.Errorf("%s depends on %s; the contract imports nothing else of the project", contractPkg, d)
		}
	}
}

// wirePrefixes begin the wire names that only the contract package spells.
// (A task's own name, such as MAMoC's demo uk.ac.standrews.cs.mamoc_demo.NQueens.Queens, is
// not part of the contract.)
var wirePrefixes = []string{"mamoc.", "uk.ac.standrews.cs.mamoc.", "wamp.error."}

// TestWireNamesOnlyInContract checks that server, router and client-android take every wire
// name from the contract package: no string literal in their non-test Go files outside it
// begins with a wire prefix.
func TestWireNamesOnlyInContract(t *testing.T) {
	for dir, files := range goPackages(t) {
		d := filepath.ToSlash(dir)
		if d == contractPkg || !(inTree(d, "server") || inTree(d, "router") || inTree(d, "client-android")) {
			continue
		}
		for _, f := range files {
			fset := token.NewFileSet()
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(af, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				for _, p := range wirePrefixes {
					if strings.HasPrefix(s, p) {
						t.Errorf("%s: wire name %q spelled outside %s; take it from there", fset.Position(lit.Pos()), s, contractPkg)
					}
				}
				return true
			})
		}
	}
}

// inTree reports whether directory d is top or below it.
func inTree(d, top string) bool { return d == top || strings.HasPrefix(d, top+"/") }

// TestTestingOnlyInTests keeps package testing out of production binaries: only _test.go files
// and test-helper packages (whose name ends in "test", as unikerneltest and apktest) import it.
func TestTestingOnlyInTests(t *testing.T) {
	for dir, files := range goPackages(t) {
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(af.Name.Name, "test") {
				continue
			}
			for _, imp := range af.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == "testing" || strings.HasPrefix(p, "testing/") {
					t.Errorf("%s (package %s in %s) imports %s; only tests and test-helper packages may", f, af.Name.Name, dir, p)
				}
			}
		}
	}
}
