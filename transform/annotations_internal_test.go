package transform

import (
	"reflect"
	"testing"
)

func TestRemoveOffloadable(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
		uses []offloadableUse
	}{
		{
			name: "MAMoC KMP header",
			src:  "package p;\n\nimport uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;\n\n@Offloadable(resourceDependent = true, parallelizable = true)\npublic class KMP {}",
			want: "package p;\n\n\n\n\npublic class KMP {}",
			uses: []offloadableUse{{target: "KMP", resourceDependent: true, parallelizable: true}},
		},
		{
			name: "marker annotation on same line",
			src:  "@Offloadable public class Q {}",
			want: " public class Q {}",
			uses: []offloadableUse{{target: "Q"}},
		},
		{
			name: "fully qualified, partial elements",
			src:  "@uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable(parallelizable = true)\nclass Q {}",
			want: "\nclass Q {}",
			uses: []offloadableUse{{target: "Q", parallelizable: true}},
		},
		{
			name: "explicit false and empty parens",
			src:  "@Offloadable(resourceDependent = false)\nclass A {}\n@Offloadable()\nclass B {}",
			want: "\nclass A {}\n\nclass B {}",
			uses: []offloadableUse{{target: "A"}, {target: "B"}},
		},
		{
			name: "wildcard import of the annotation package",
			src:  "import uk.ac.standrews.cs.mamoc_client.Annotation.*;\nimport java.util.List;\nclass A {}",
			want: "\nimport java.util.List;\nclass A {}",
		},
		{
			name: "on a bare method",
			src:  "@Offloadable(resourceDependent = false, parallelizable = true)\npublic void say_hello () {}",
			want: "\npublic void say_hello () {}",
			uses: []offloadableUse{{target: "say_hello", onMethod: true, parallelizable: true}},
		},
		{
			name: "other annotations stay",
			src:  "@Deprecated\nclass A { @Override public String toString() { return \"\"; } }",
			want: "@Deprecated\nclass A { @Override public String toString() { return \"\"; } }",
		},
		{
			name: "other Offloadable import stays",
			src:  "import com.example.Offloadable;\nclass A {}",
			want: "import com.example.Offloadable;\nclass A {}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, uses, err := removeOffloadable([]byte(tt.src))
			if err != nil {
				t.Fatalf("removeOffloadable(%q) error: %v", tt.src, err)
			}
			if string(got) != tt.want {
				t.Errorf("removeOffloadable(%q) = %q, want %q", tt.src, got, tt.want)
			}
			if !reflect.DeepEqual(uses, tt.uses) {
				t.Errorf("removeOffloadable(%q) uses = %+v, want %+v", tt.src, uses, tt.uses)
			}
		})
	}
}
