package transform

import (
	"errors"
	"strings"
	"testing"
)

func TestApplyEdits(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		edits []edit
		want  string
		err   bool
	}{
		{"none", "abc", nil, "abc", false},
		{"replace", "abcdef", []edit{{1, 3, "X"}}, "aXdef", false},
		{"unsorted", "abcdef", []edit{{4, 5, "Y"}, {0, 1, "X"}}, "XbcdYf", false},
		{"insert", "abc", []edit{{3, 3, "!"}, {0, 0, ">"}}, ">abc!", false},
		{"overlap", "abcdef", []edit{{1, 4, ""}, {2, 5, ""}}, "", true},
		{"nested dropped", "abcdef", []edit{{2, 3, "Y"}, {1, 5, "X"}}, "aXf", false},
		{"same start, longer wins", "abcdef", []edit{{1, 2, "Y"}, {1, 5, "X"}}, "aXf", false},
		{"out of range", "abc", []edit{{1, 9, ""}}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyEdits([]byte(tt.src), tt.edits)
			if (err != nil) != tt.err {
				t.Fatalf("applyEdits(%q, %v) error = %v, want error %v", tt.src, tt.edits, err, tt.err)
			}
			if err == nil && string(got) != tt.want {
				t.Errorf("applyEdits(%q, %v) = %q, want %q", tt.src, tt.edits, got, tt.want)
			}
		})
	}
}

func TestBlank(t *testing.T) {
	if got, want := blank("a\nb\n\nc"), "\n\n\n"; got != want {
		t.Errorf("blank = %q, want %q", got, want)
	}
}

func TestCheckSyntax(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		ok       bool
		line     int
		column   int
		contains string
	}{
		{"valid", "class A { void f() { int x = 1; } }", true, 0, 0, ""},
		{"method only", "public void f() { }", true, 0, 0, ""},
		{"missing semicolon", "class A {\n  void f() {\n    int x = 1\n  }\n}", false, 3, 14, "missing"},
		{"garbage", "class A {\n  void f() { int x = ; }\n}", false, 2, 0, "unexpected"},
		{"unclosed", "class A {\n  void f() {", false, 2, 0, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkSyntax([]byte(tt.src))
			if tt.ok {
				if err != nil {
					t.Fatalf("checkSyntax(%q) = %v, want nil", tt.src, err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("checkSyntax(%q) = %v, want *SyntaxError", tt.src, err)
			}
			if se.Line != tt.line || (tt.column != 0 && se.Column != tt.column) {
				t.Errorf("checkSyntax(%q) at %d:%d, want %d:%d", tt.src, se.Line, se.Column, tt.line, tt.column)
			}
			if !strings.Contains(se.Message, tt.contains) {
				t.Errorf("checkSyntax(%q) message = %q, want it to contain %q", tt.src, se.Message, tt.contains)
			}
		})
	}
}
