package mobile_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestBindable checks that every exported function, method and struct field uses only types
// gomobile can bind: string, int, float64, bool, []byte, error, and this package's own types.
func TestBindable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	local := map[string]bool{}
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					local[s.(*ast.TypeSpec).Name.Name] = true
				}
			}
		}
	}
	allowed := map[string]bool{"string": true, "int": true, "float64": true, "bool": true, "[]byte": true, "error": true}
	ok := func(e ast.Expr) bool {
		s := types(e)
		return allowed[s] || local[strings.TrimPrefix(s, "*")]
	}
	check := func(where string, fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			if !ok(f.Type) {
				t.Errorf("%s: type %s is not bindable", where, types(f.Type))
			}
		}
	}
	for _, f := range parsed {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() {
					check(d.Name.Name, d.Type.Params)
					check(d.Name.Name, d.Type.Results)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, isType := s.(*ast.TypeSpec)
					if !isType || !ts.Name.IsExported() {
						continue
					}
					switch tt := ts.Type.(type) {
					case *ast.StructType:
						for _, fld := range tt.Fields.List {
							if len(fld.Names) > 0 && fld.Names[0].IsExported() {
								check(ts.Name.Name+"."+fld.Names[0].Name, &ast.FieldList{List: []*ast.Field{fld}})
							}
						}
					case *ast.InterfaceType:
						for _, m := range tt.Methods.List {
							ft := m.Type.(*ast.FuncType)
							check(ts.Name.Name, ft.Params)
							check(ts.Name.Name, ft.Results)
						}
					}
				}
			}
		}
	}
}

// types prints a type expression.
func types(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + types(e.X)
	case *ast.ArrayType:
		return "[]" + types(e.Elt)
	case *ast.SelectorExpr:
		return types(e.X) + "." + e.Sel.Name
	}
	return "?"
}
