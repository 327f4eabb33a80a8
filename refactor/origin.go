package refactor

import (
	"sort"
	"strings"
)

// Class origins.
const (
	OriginApp     = "app"     // the app's own code: the manifest package and its components' package trees
	OriginLibrary = "library" // code bundled from a library (support libraries, commons, gson…)
)

// libraryPrefixes are packages that are always bundled libraries, even when the manifest does
// not help (no manifest, or no class under its package).
var libraryPrefixes = []string{
	"android.", "androidx.", "com.android.", "com.google.", "org.apache.", "org.json.", "org.jetbrains.",
	"org.intellij.", "kotlin.", "kotlinx.", "okhttp3.", "okio.", "retrofit2.", "com.squareup.", "io.reactivex.",
	"rx.", "dagger.", "butterknife.", "javax.", "com.facebook.", "org.greenrobot.", "de.greenrobot.",
	"com.bumptech.", "com.fasterxml.", "org.slf4j.", "ch.qos.", "junit.", "org.junit.", "org.hamcrest.",
	"org.bouncycastle.", "org.spongycastle.", "com.j256.", "io.fabric.", "com.crashlytics.", "net.sqlcipher.",
	"com.nostra13.", "org.joda.", "com.jakewharton.", "io.realm.", "com.airbnb.", "org.chromium.",
}

// origins tells app code from bundled libraries.
type origins struct {
	roots []string // package trees of the app's own code, longest first
}

// newOrigins takes the app's package trees from the manifest: its package and the packages of
// its components, unless a component is itself a known library's. Without a manifest, or when
// no class lies in those trees, every class outside libraryPrefixes is the app's.
func newOrigins(m *Manifest, classes []*dexClass) origins {
	var o origins
	if m != nil {
		seen := map[string]bool{}
		add := func(p string) {
			if p != "" && !seen[p] && !knownLibrary(p+".") {
				seen[p] = true
				o.roots = append(o.roots, p)
			}
		}
		add(m.Package)
		for _, c := range m.Components {
			if i := strings.LastIndexByte(c.Name, '.'); i > 0 {
				add(c.Name[:i])
			}
		}
	}
	// A component package inside another root adds nothing.
	sort.Slice(o.roots, func(i, j int) bool { return len(o.roots[i]) < len(o.roots[j]) })
	kept := o.roots[:0]
	for _, r := range o.roots {
		inside := false
		for _, k := range kept {
			inside = inside || strings.HasPrefix(r+".", k+".")
		}
		if !inside {
			kept = append(kept, r)
		}
	}
	o.roots = kept
	for _, c := range classes {
		if o.root(c.Name) != "" {
			return o
		}
	}
	o.roots = nil
	return o
}

func knownLibrary(class string) bool {
	for _, p := range libraryPrefixes {
		if strings.HasPrefix(class, p) {
			return true
		}
	}
	return false
}

// root returns the app package tree holding class, "" for none.
func (o origins) root(class string) string {
	for _, r := range o.roots {
		if strings.HasPrefix(class, r+".") {
			return r
		}
	}
	return ""
}

// of returns OriginApp or OriginLibrary for an app-defined class.
func (o origins) of(class string) string {
	if o.roots == nil {
		if knownLibrary(class) {
			return OriginLibrary
		}
		return OriginApp
	}
	if o.root(class) != "" {
		return OriginApp
	}
	return OriginLibrary
}
