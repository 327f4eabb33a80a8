package transform

import (
	"fmt"
	"sort"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
	java "github.com/tree-sitter/tree-sitter-java/bindings/go"
)

// javaLanguage is the tree-sitter Java grammar; a Language is immutable and safe to share.
var javaLanguage = sitter.NewLanguage(java.Language())

// document is one parse of src. Every pass parses its input afresh, so passes
// stay independent and can be tested on their own.
type document struct {
	src  []byte
	tree *sitter.Tree
}

func parse(src []byte) (*document, error) {
	p := sitter.NewParser()
	defer p.Close()
	if err := p.SetLanguage(javaLanguage); err != nil {
		return nil, fmt.Errorf("set java grammar: %w", err)
	}
	tree := p.Parse(src, nil)
	if tree == nil {
		return nil, fmt.Errorf("parse java: parser returned no tree")
	}
	return &document{src: src, tree: tree}, nil
}

func (d *document) close()                     { d.tree.Close() }
func (d *document) root() *sitter.Node         { return d.tree.RootNode() }
func (d *document) text(n *sitter.Node) string { return n.Utf8Text(d.src) }

// walk calls f for n and its descendants in document order; when f returns
// false the children of that node are skipped.
func walk(n *sitter.Node, f func(*sitter.Node) bool) {
	if !f(n) {
		return
	}
	for i := uint(0); i < n.ChildCount(); i++ {
		walk(n.Child(i), f)
	}
}

// children returns the direct children of n.
func children(n *sitter.Node) []*sitter.Node {
	out := make([]*sitter.Node, 0, n.ChildCount())
	for i := uint(0); i < n.ChildCount(); i++ {
		out = append(out, n.Child(i))
	}
	return out
}

// leaves returns the text of every leaf token below n, skipping comments.
func (d *document) leaves(n *sitter.Node) []string {
	var out []string
	walk(n, func(c *sitter.Node) bool {
		if isComment(c) {
			return false
		}
		if c.ChildCount() == 0 {
			out = append(out, d.text(c))
		}
		return true
	})
	return out
}

func isComment(n *sitter.Node) bool {
	return n.Kind() == "line_comment" || n.Kind() == "block_comment"
}

// dottedName returns a.b.C for an identifier path (identifier, type_identifier,
// scoped_identifier, scoped_type_identifier, field_access made only of names),
// or "" when n is anything else.
func (d *document) dottedName(n *sitter.Node) string {
	switch n.Kind() {
	case "identifier", "type_identifier":
		return d.text(n)
	case "scoped_identifier", "scoped_type_identifier", "field_access":
		var parts []string
		for _, c := range children(n) {
			if isComment(c) || c.Kind() == "." {
				continue
			}
			if c.Kind() == "annotation" || c.Kind() == "marker_annotation" {
				continue
			}
			s := d.dottedName(c)
			if s == "" {
				return ""
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ".")
	}
	return ""
}

// compact returns the leaf tokens of n joined without spaces, e.g. "int[]" for
// "int [ ]"; it normalises types as written.
func (d *document) compact(n *sitter.Node) string {
	return strings.Join(d.leaves(n), "")
}

// hasModifier reports whether decl's modifiers include the keyword mod.
func hasModifier(decl *sitter.Node, mod string) bool {
	for _, c := range children(decl) {
		if c.Kind() != "modifiers" {
			continue
		}
		for _, m := range children(c) {
			if m.Kind() == mod {
				return true
			}
		}
	}
	return false
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end uint
	text       string
}

// blank returns the newlines of s, so that deleting s keeps later line numbers
// (javac diagnostics then point at the phone's own lines).
func blank(s string) string {
	return strings.Repeat("\n", strings.Count(s, "\n"))
}

// removal deletes n, keeping its line breaks.
func (d *document) removal(n *sitter.Node) edit {
	return d.removeRange(n.StartByte(), n.EndByte())
}

// removeRange deletes src[start:end], keeping its line breaks. When the range
// is all that stands on its lines, the indentation and trailing blanks around
// it go too, leaving empty lines.
func (d *document) removeRange(start, end uint) edit {
	text := blank(string(d.src[start:end]))
	s, e := start, end
	for s > 0 && (d.src[s-1] == ' ' || d.src[s-1] == '\t') {
		s--
	}
	for e < uint(len(d.src)) && (d.src[e] == ' ' || d.src[e] == '\t' || d.src[e] == '\r') {
		e++
	}
	if (s == 0 || d.src[s-1] == '\n') && (e == uint(len(d.src)) || d.src[e] == '\n') {
		return edit{start: s, end: e, text: text}
	}
	return edit{start: start, end: end, text: text}
}

// applyEdits applies edits to src. An edit that lies inside an earlier,
// larger one (a comment inside a removed statement) is dropped; partly
// overlapping edits are an error.
func applyEdits(src []byte, edits []edit) ([]byte, error) {
	if len(edits) == 0 {
		return src, nil
	}
	sorted := append([]edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].start != sorted[j].start {
			return sorted[i].start < sorted[j].start
		}
		return sorted[i].end > sorted[j].end
	})
	var b strings.Builder
	pos := uint(0)
	for i, e := range sorted {
		if i > 0 && e.start < pos && e.end <= pos && e.start >= sorted[i-1].start {
			continue // nested in the previous edit
		}
		if e.start < pos || e.end < e.start || e.end > uint(len(src)) {
			return nil, fmt.Errorf("apply edits: overlapping or out-of-range edit at byte %d", e.start)
		}
		b.Write(src[pos:e.start])
		b.WriteString(e.text)
		pos = e.end
	}
	b.Write(src[pos:])
	return []byte(b.String()), nil
}

// checkSyntax returns a *SyntaxError for the first ERROR or MISSING node.
func checkSyntax(src []byte) error {
	d, err := parse(src)
	if err != nil {
		return err
	}
	defer d.close()
	if !d.root().HasError() {
		return nil
	}
	var found *SyntaxError
	walk(d.root(), func(n *sitter.Node) bool {
		if found != nil {
			return false
		}
		if !n.HasError() && !n.IsError() && !n.IsMissing() {
			return false
		}
		switch {
		case n.IsMissing():
			found = syntaxErrorAt(n, "missing "+quoteToken(n.Kind()))
		case n.IsError():
			toks := d.leaves(n)
			msg := "unexpected input"
			if len(toks) > 0 {
				msg = "unexpected " + quoteToken(toks[0])
			}
			found = syntaxErrorAt(n, msg)
		}
		return true
	})
	if found == nil {
		found = &SyntaxError{Line: 1, Column: 1, Message: "malformed source"}
	}
	return found
}

func syntaxErrorAt(n *sitter.Node, msg string) *SyntaxError {
	p := n.StartPosition()
	return &SyntaxError{Line: int(p.Row) + 1, Column: int(p.Column) + 1, Message: msg}
}

func quoteToken(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "`" + s + "`"
}
