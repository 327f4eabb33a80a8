package refactor

import (
	"strings"
	"testing"
)

// TestProcedureNames: a class is named relative to the app package tree that holds it, so the
// package is not repeated; the name earlier versions published stays as an alias.
func TestProcedureNames(t *testing.T) {
	m := &Manifest{Package: "com.example.app.debug", Components: []Component{
		{Kind: "activity", Name: "com.example.app.ui.Main"}, {Kind: "activity", Name: "com.google.android.gms.ads.AdActivity"}}}
	classes := []*dexClass{{Name: "com.example.app.ui.Main"}, {Name: "com.example.app.debug.Z"}}
	o := newOrigins(m, classes)
	if got := strings.Join(o.roots, ","); got != "com.example.app.ui,com.example.app.debug" {
		t.Fatalf("roots = %s, want com.example.app.ui,com.example.app.debug", got)
	}
	l := &lister{pkg: m.Package, o: o, used: map[string]string{}}
	tests := []struct {
		class, name, alias string
	}{
		{"com.example.app.debug.Z", "mamoc.app.com.example.app.debug.Z.run", ""},
		{"com.example.app.ui.Main", "mamoc.app.com.example.app.debug.Main.run", "mamoc.app.com.example.app.debug.com.example.app.ui.Main.run"},
		{"org.apache.commons.X", "mamoc.app.com.example.app.debug.org.apache.commons.X.run", ""},
	}
	for _, tt := range tests {
		name, aliases := l.names(tt.class, "run")
		if name != tt.name || strings.Join(aliases, ",") != tt.alias {
			t.Errorf("names(%s) = %s %v, want %s [%s]", tt.class, name, aliases, tt.name, tt.alias)
		}
	}
	if got := o.of("com.google.android.gms.ads.AdActivity"); got != OriginLibrary {
		t.Errorf("origin of a library's component = %s, want library", got)
	}
}
