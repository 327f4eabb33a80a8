package transform

import (
	sitter "github.com/tree-sitter/go-tree-sitter"
)

// offloadablePackage holds MAMoC's @Offloadable annotation on the phone; the
// server has no such class.
const (
	offloadablePackage = "uk.ac.standrews.cs.mamoc_client.Annotation"
	offloadableClass   = offloadablePackage + ".Offloadable"
)

// offloadableUse is one @Offloadable annotation and what it said.
type offloadableUse struct {
	// target is the simple name of the annotated class or method.
	target string
	// onMethod is true when the annotation is on a method.
	onMethod          bool
	resourceDependent bool
	parallelizable    bool
}

// removeOffloadable deletes every @Offloadable annotation (simple or fully
// qualified name, with or without arguments) and the imports that bring it in
// (the class import or the package wildcard), and returns what each annotation
// said. Its boolean elements default to false, as in MAMoC's client.
func removeOffloadable(src []byte) ([]byte, []offloadableUse, error) {
	d, err := parse(src)
	if err != nil {
		return nil, nil, err
	}
	defer d.close()
	var edits []edit
	var uses []offloadableUse
	walk(d.root(), func(n *sitter.Node) bool {
		switch n.Kind() {
		case "import_declaration":
			if d.importsOffloadable(n) {
				edits = append(edits, d.removal(n))
			}
			return false
		case "annotation", "marker_annotation":
			name := n.ChildByFieldName("name")
			if name == nil {
				return false
			}
			if dn := d.dottedName(name); dn != "Offloadable" && dn != offloadableClass {
				return false
			}
			uses = append(uses, d.offloadableUse(n))
			edits = append(edits, d.removal(n))
			return false
		}
		return true
	})
	out, err := applyEdits(src, edits)
	if err != nil {
		return nil, nil, err
	}
	return out, uses, nil
}

func (d *document) importsOffloadable(imp *sitter.Node) bool {
	var name string
	wildcard := false
	for _, c := range children(imp) {
		switch c.Kind() {
		case "scoped_identifier", "identifier":
			name = d.dottedName(c)
		case "asterisk":
			wildcard = true
		case "static":
			return false
		}
	}
	if wildcard {
		return name == offloadablePackage
	}
	return name == offloadableClass
}

func (d *document) offloadableUse(ann *sitter.Node) offloadableUse {
	var u offloadableUse
	if args := ann.ChildByFieldName("arguments"); args != nil {
		for _, pair := range children(args) {
			if pair.Kind() != "element_value_pair" {
				continue
			}
			key, val := pair.ChildByFieldName("key"), pair.ChildByFieldName("value")
			if key == nil || val == nil {
				continue
			}
			b := val.Kind() == "true"
			switch d.text(key) {
			case "resourceDependent":
				u.resourceDependent = b
			case "parallelizable":
				u.parallelizable = b
			}
		}
	}
	if mods := ann.Parent(); mods != nil && mods.Kind() == "modifiers" {
		if decl := mods.Parent(); decl != nil {
			if nm := decl.ChildByFieldName("name"); nm != nil {
				u.target = d.text(nm)
			}
			u.onMethod = decl.Kind() == "method_declaration"
		}
	}
	return u
}
