package transform

import (
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// isMethodSource reports whether src is a bare method (MAMoC's "method
// offloading"), not a compilation unit with a type declaration.
func isMethodSource(src []byte) (bool, error) {
	d, err := parse(src)
	if err != nil {
		return false, err
	}
	defer d.close()
	method := false
	for _, n := range children(d.root()) {
		switch n.Kind() {
		case "class_declaration", "interface_declaration", "enum_declaration",
			"record_declaration", "annotation_type_declaration":
			return false, nil
		case "method_declaration":
			method = true
		}
	}
	return method, nil
}

// wrapMethod wraps a bare method in `public class <name>Class`, whose
// constructor takes the method's parameters (so they arrive typed, like a task
// class's) and whose run() calls the method with them and returns its result.
// The task method is the first with @Offloadable, else the first named in
// prefer, else the first. When src has no package declaration and pkg is not
// empty, `package pkg;` is added. The class header goes on the method's first
// line, so the method keeps its line numbers. It returns the new source and
// the class name.
func wrapMethod(src []byte, pkg string, prefer []string) ([]byte, string, error) {
	d, err := parse(src)
	if err != nil {
		return nil, "", err
	}
	defer d.close()
	var methods []*sitter.Node
	var first *sitter.Node
	hasPkg := false
	for _, n := range children(d.root()) {
		switch n.Kind() {
		case "package_declaration":
			hasPkg = true
		case "import_declaration", "line_comment", "block_comment":
		default:
			if first == nil {
				first = n
			}
			if n.Kind() == "method_declaration" {
				methods = append(methods, n)
			}
		}
	}
	if len(methods) == 0 {
		return nil, "", ErrNoTaskClass
	}
	task := methods[0]
	annotated := false
	for _, m := range methods {
		if d.hasOffloadable(m) {
			task, annotated = m, true
			break
		}
	}
	if !annotated {
	pref:
		for _, p := range prefer {
			for _, m := range methods {
				if nm := m.ChildByFieldName("name"); nm != nil && d.text(nm) == p {
					task = m
					break pref
				}
			}
		}
	}
	nameNode := task.ChildByFieldName("name")
	typeNode := task.ChildByFieldName("type")
	if nameNode == nil || typeNode == nil {
		return nil, "", ErrNoTaskClass
	}
	method := d.text(nameNode)
	class := method + "Class"
	params := d.params(task.ChildByFieldName("parameters"))
	ret := d.compact(typeNode)

	var h strings.Builder
	if !hasPkg && pkg != "" {
		h.WriteString("package " + pkg + "; ")
	}
	h.WriteString("public class " + class + " { ")
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
		h.WriteString("private final " + strings.Replace(p.Type, "...", "[]", 1) + " " + p.Name + "; ")
	}
	h.WriteString("public " + class + "(")
	for i, p := range params {
		if i > 0 {
			h.WriteString(", ")
		}
		h.WriteString(p.Type + " " + p.Name)
	}
	h.WriteString(") { ")
	for _, p := range params {
		h.WriteString("this." + p.Name + " = " + p.Name + "; ")
	}
	h.WriteString("} ")
	if method != "run" || len(params) != 0 {
		call := method + "(" + strings.Join(d.qualified(names), ", ") + ");"
		if ret == "void" {
			h.WriteString("public void run() { " + call + " } ")
		} else {
			h.WriteString("public " + ret + " run() { return " + call + " } ")
		}
	}
	edits := []edit{
		{start: first.StartByte(), end: first.StartByte(), text: h.String()},
		{start: uint(len(src)), end: uint(len(src)), text: "\n}\n"},
	}
	out, err := applyEdits(src, edits)
	if err != nil {
		return nil, "", err
	}
	return out, class, nil
}

func (d *document) qualified(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "this." + n
	}
	return out
}

// hasOffloadable reports whether decl carries @Offloadable.
func (d *document) hasOffloadable(decl *sitter.Node) bool {
	for _, c := range children(decl) {
		if c.Kind() != "modifiers" {
			continue
		}
		for _, a := range children(c) {
			if a.Kind() != "annotation" && a.Kind() != "marker_annotation" {
				continue
			}
			if nm := a.ChildByFieldName("name"); nm != nil {
				if dn := d.dottedName(nm); dn == "Offloadable" || dn == offloadableClass {
					return true
				}
			}
		}
	}
	return false
}
