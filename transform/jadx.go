package transform

import (
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// jadxCommentPrefixes start the comments jadx writes about the bytecode, not
// the program: they are removed.
var jadxCommentPrefixes = []string{
	"renamed from:",
	"compiled from:",
	"loaded from:",
	"access modifiers changed from:",
	"synthetic",
	"bridge",
	"JADX ",
	"JADX:",
	"Code restructure failed",
	"Code decompiled incorrectly",
}

// objectNames are the spellings of java.lang.Object in a `new Object()`.
var objectNames = map[string]bool{"Object": true, "java.lang.Object": true}

// removeJadxArtefacts undoes what jadx emits around constructors and in comments:
//   - the statement `this = new Object();` (jadx's rendering of the super() call
//     of a class extending Object; javac rejects assignment to this) is deleted;
//   - `new Object()` used as the receiver of a field or of a method that the
//     enclosing class declares (jadx's rendering of this before the super() call)
//     becomes `this`; any other `new Object()` is real code and stays;
//   - `T x = new Object();` with a class type T becomes `T x = new T();`: R8
//     replaces a trivial constructor call with Object's, and jadx then prints
//     the allocation as `new Object()`;
//   - jadx's header and note comments (`/* compiled from: KMP.java */`,
//     `/* renamed from: … */`, `/* synthetic */`, `/* JADX WARNING … */`) are deleted.
//
// Deletions keep line breaks, so line numbers do not move. It works on source
// that does not parse cleanly, since `this = …` is itself a parse error.
func removeJadxArtefacts(src []byte) ([]byte, error) {
	d, err := parse(src)
	if err != nil {
		return nil, err
	}
	defer d.close()
	var edits []edit
	walk(d.root(), func(n *sitter.Node) bool {
		switch {
		case isComment(n):
			if isJadxComment(d.text(n)) {
				edits = append(edits, d.removal(n))
			}
			return false
		case n.IsError():
			if e, ok := d.thisAssignment(n); ok {
				edits = append(edits, e)
				return false
			}
		case n.Kind() == "expression_statement" || n.Kind() == "local_variable_declaration":
			// A well-formed `this = new Object();` never parses, but guard the
			// shape where the grammar recovered into one statement.
			if strings.Join(d.leaves(n), "") == "this=newObject();" {
				edits = append(edits, d.removal(n))
				return false
			}
		case n.Kind() == "object_creation_expression":
			if d.isObjectAsThis(n) {
				edits = append(edits, edit{start: n.StartByte(), end: n.EndByte(), text: "this"})
				return false
			}
			if typ := d.objectForDeclaredType(n); typ != "" {
				edits = append(edits, edit{start: n.StartByte(), end: n.EndByte(), text: "new " + typ + "()"})
				return false
			}
		}
		return true
	})
	return applyEdits(src, edits)
}

func isJadxComment(c string) bool {
	c = strings.TrimPrefix(c, "//")
	c = strings.TrimPrefix(c, "/*")
	c = strings.TrimSuffix(c, "*/")
	c = strings.TrimLeft(c, " \t*")
	for _, p := range jadxCommentPrefixes {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// thisAssignment recognises `this = new Object();` around an ERROR node: the
// grammar parses it as ERROR(this =) followed by the statement `new Object();`.
// It returns the removal covering both.
func (d *document) thisAssignment(errNode *sitter.Node) (edit, bool) {
	head := strings.Join(d.leaves(errNode), "")
	if isThisObjectStmt(head) {
		return d.removal(errNode), true
	}
	if head != "this=" {
		return edit{}, false
	}
	next := errNode.NextSibling()
	for next != nil && isComment(next) {
		next = next.NextSibling()
	}
	if next == nil || !isThisObjectStmt(head+strings.Join(d.leaves(next), "")) {
		return edit{}, false
	}
	return d.removeRange(errNode.StartByte(), next.EndByte()), true
}

func isThisObjectStmt(s string) bool {
	return s == "this=newObject();" || s == "this=newjava.lang.Object();"
}

// isObjectAsThis reports whether n is `new Object()` standing for this: the
// receiver of a field access (Object has no fields) or of a call to a method
// the enclosing class declares, inside a non-static member.
func (d *document) isObjectAsThis(n *sitter.Node) bool {
	if !d.plainNew(n) {
		return false
	}
	parent := n.Parent()
	if parent == nil {
		return false
	}
	obj := parent.ChildByFieldName("object")
	if obj == nil || obj.StartByte() != n.StartByte() || obj.EndByte() != n.EndByte() {
		return false
	}
	var member string
	switch parent.Kind() {
	case "field_access":
		if f := parent.ChildByFieldName("field"); f != nil {
			member = d.text(f)
		}
	case "method_invocation":
		if f := parent.ChildByFieldName("name"); f != nil {
			member = d.text(f)
		}
	default:
		return false
	}
	// Find the enclosing member and class body.
	var memberDecl, body *sitter.Node
	for p := parent.Parent(); p != nil; p = p.Parent() {
		switch p.Kind() {
		case "method_declaration", "constructor_declaration", "field_declaration":
			if memberDecl == nil {
				memberDecl = p
			}
		case "class_body", "enum_body":
			body = p
		}
		if body != nil {
			break
		}
	}
	if memberDecl == nil || body == nil || hasModifier(memberDecl, "static") {
		return false
	}
	return d.declares(body, member, parent.Kind() == "method_invocation")
}

// declares reports whether the class body declares a method (method true) or
// a field named name.
func (d *document) declares(body *sitter.Node, name string, method bool) bool {
	for _, c := range children(body) {
		switch {
		case method && c.Kind() == "method_declaration":
			if nm := c.ChildByFieldName("name"); nm != nil && d.text(nm) == name {
				return true
			}
		case !method && c.Kind() == "field_declaration":
			for _, v := range children(c) {
				if v.Kind() != "variable_declarator" {
					continue
				}
				if nm := v.ChildByFieldName("name"); nm != nil && d.text(nm) == name {
					return true
				}
			}
		}
	}
	return false
}

// plainNew reports whether n is `new Object()` (or java.lang.Object) with no
// arguments and no class body.
func (d *document) plainNew(n *sitter.Node) bool {
	typ := n.ChildByFieldName("type")
	args := n.ChildByFieldName("arguments")
	if typ == nil || args == nil || !objectNames[d.dottedName(typ)] || args.NamedChildCount() != 0 {
		return false
	}
	for _, c := range children(n) {
		if c.Kind() == "class_body" {
			return false
		}
	}
	return true
}

// objectForDeclaredType returns T when n is the `new Object()` initialiser of
// a local variable or field declared with class type T (not Object, var, a
// primitive or an array), else "".
func (d *document) objectForDeclaredType(n *sitter.Node) string {
	if !d.plainNew(n) {
		return ""
	}
	decl := n.Parent()
	if decl == nil || decl.Kind() != "variable_declarator" {
		return ""
	}
	if v := decl.ChildByFieldName("value"); v == nil || v.StartByte() != n.StartByte() {
		return ""
	}
	if decl.ChildByFieldName("dimensions") != nil {
		return ""
	}
	owner := decl.Parent()
	if owner == nil || (owner.Kind() != "local_variable_declaration" && owner.Kind() != "field_declaration") {
		return ""
	}
	typ := owner.ChildByFieldName("type")
	if typ == nil {
		return ""
	}
	switch typ.Kind() {
	case "type_identifier", "scoped_type_identifier", "generic_type":
	default:
		return ""
	}
	t := d.compact(typ)
	if objectNames[t] || t == "var" {
		return ""
	}
	return t
}
