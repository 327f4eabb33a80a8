package transform_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mamoc-go/mamoc/transform"
)

func TestValidateFQCN(t *testing.T) {
	tests := []struct {
		s  string
		ok bool
	}{
		{"uk.ac.standrews.cs.mamoc_demo.SearchText.KMP", true},
		{"KMP", true},
		{"say_helloClass", true},
		{"a.b$c.D1", true},
		{"", false},
		{"a..b", false},
		{".a", false},
		{"a.", false},
		{"a.1b", false},
		{"a.class.B", false},
		{"a.b;rm -rf /", false},
		{"a b", false},
		{"a/b", false},
		{"../x", false},
		{"a.b\x00", false},
		{"wamp.*", false},
		{"caf\u00e9.A", false},
		{"a#b", false},
		{strings.Repeat("a.", 300) + "A", false},
	}
	for _, tt := range tests {
		err := transform.ValidateFQCN(tt.s)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateFQCN(%q) = %v, want ok %v", tt.s, err, tt.ok)
		}
		if err != nil && !errors.Is(err, transform.ErrInvalidName) {
			t.Errorf("ValidateFQCN(%q) = %v, want it to wrap ErrInvalidName", tt.s, err)
		}
	}
}
