package api

import (
	"bytes"
	"testing"
)

func TestCutLines(t *testing.T) {
	content := []byte("a\nbb\n\nc")
	tests := []struct {
		name   string
		r      LineRange
		want   string
		wantN  int
		wantOK bool
	}{
		{"first", LineRange{0, 1}, "a\n", 4, true},
		{"middle with an empty line", LineRange{1, 3}, "bb\n\n", 4, true},
		{"last without newline", LineRange{3, 4}, "c", 4, true},
		{"all", LineRange{0, 4}, "a\nbb\n\nc", 4, true},
		{"past the end", LineRange{2, 5}, "", 4, false},
		{"empty", LineRange{1, 1}, "", 4, false},
		{"negative", LineRange{-1, 1}, "", 4, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n, ok := CutLines(content, tc.r)
			if string(got) != tc.want || n != tc.wantN || ok != tc.wantOK {
				t.Errorf("CutLines(%v) = %q, %d, %v; want %q, %d, %v", tc.r, got, n, ok, tc.want, tc.wantN, tc.wantOK)
			}
			if ok && !bytes.Equal(got, bytes.Join(SplitLines(content)[tc.r.From:tc.r.To], nil)) {
				t.Errorf("CutLines(%v) = %q, not SplitLines' lines", tc.r, got)
			}
		})
	}
}
