package transform

import (
	"fmt"
	"strings"
)

// maxNameLen bounds a fully-qualified class name, in bytes.
const maxNameLen = 512

// javaKeywords cannot be identifiers (the literals true, false and null included).
var javaKeywords = map[string]bool{
	"abstract": true, "assert": true, "boolean": true, "break": true, "byte": true, "case": true,
	"catch": true, "char": true, "class": true, "const": true, "continue": true, "default": true,
	"do": true, "double": true, "else": true, "enum": true, "extends": true, "final": true,
	"finally": true, "float": true, "for": true, "goto": true, "if": true, "implements": true,
	"import": true, "instanceof": true, "int": true, "interface": true, "long": true, "native": true,
	"new": true, "package": true, "private": true, "protected": true, "public": true, "return": true,
	"short": true, "static": true, "strictfp": true, "super": true, "switch": true,
	"synchronized": true, "this": true, "throw": true, "throws": true, "transient": true, "try": true,
	"void": true, "volatile": true, "while": true, "true": true, "false": true, "null": true,
	"_": true,
}

// ValidateFQCN reports whether s is a fully-qualified Java class name safe to
// use in a WAMP URI, a file path and a JVM argument: dot-separated segments, each
// an ASCII Java identifier ([A-Za-z_$][A-Za-z0-9_$]*) that is not a keyword, at
// most 512 bytes in all. A simple name without a package is valid. Errors wrap
// ErrInvalidName.
func ValidateFQCN(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty class name", ErrInvalidName)
	}
	if len(s) > maxNameLen {
		return fmt.Errorf("%w: class name longer than %d bytes", ErrInvalidName, maxNameLen)
	}
	for _, seg := range strings.Split(s, ".") {
		if err := validIdentifier(seg); err != nil {
			return fmt.Errorf("%w: %q: %s", ErrInvalidName, s, err.Error())
		}
	}
	return nil
}

// validIdentifier explains why seg is not an ASCII Java identifier, or returns nil.
func validIdentifier(seg string) error {
	if seg == "" {
		return fmt.Errorf("empty segment")
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
		digit := c >= '0' && c <= '9'
		if !letter && (!digit || i == 0) {
			return fmt.Errorf("byte %q at %d not allowed in an identifier", c, i)
		}
	}
	if javaKeywords[seg] {
		return fmt.Errorf("%q is a Java keyword", seg)
	}
	return nil
}
