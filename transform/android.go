package transform

import (
	"fmt"
	"sort"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// apiClass is how a platform name may be used on the server.
type apiClass int

const (
	apiUnknown apiClass = iota // not a platform name: left to javac
	apiPure                    // present on any JVM
	apiShim                    // Android-only but pure: needs a stub or jar on the classpath
	apiCond                    // needs device state shipped with the call: refused
	apiDevice                  // device-bound: refused
)

// apiRules classifies Android platform names by how they bind to the device. A
// leading "=" marks an exact class (or method); the rest are package prefixes.
// An exact entry wins over a prefix, a longer prefix over a shorter one.
var apiRules = map[apiClass][]string{
	apiDevice: {
		"android.app", "android.view", "android.window", "android.widget", "android.webkit",
		"android.appwidget", "android.preference", "android.gesture", "android.animation",
		"android.transition", "android.inputmethodservice", "android.accessibilityservice",
		"android.print", "android.printservice", "android.graphics", "android.opengl",
		"javax.microedition.khronos", "android.renderscript", "android.text.style",
		"android.text.method", "android.text.format", "android.content", "android.provider",
		"android.database", "android.accounts", "android.security", "android.se.omapi",
		"android.service", "android.speech", "android.hardware", "android.media", "android.mtp",
		"android.drm", "android.location", "android.bluetooth", "android.nfc", "android.companion",
		"android.net", "android.telephony", "android.telecom", "android.os", "android.system",
		"android.health", "android.credentials", "dalvik.system", "androidx", "android.support",
		"android.arch", "com.google.android", "com.google.firebase", "kotlinx.coroutines.android",
		"=android.util.DisplayMetrics", "=android.util.TypedValue", "=android.util.AttributeSet",
		"=android.util.AtomicFile", "=java.lang.System.loadLibrary", "=System.loadLibrary",
		"=android.text.TextUtils.ellipsize", "=android.text.TextUtils.getTrimmedLength",
	},
	apiPure: {
		"android.annotation", "androidx.annotation", "dalvik.annotation",
	},
	apiShim: {
		"android.util", "android.icu", "android.sax", "org.json", "org.xmlpull.v1",
		"androidx.collection", "androidx.arch.core.util", "androidx.core.util",
		"androidx.concurrent.futures",
		"=android.text.TextUtils", "=android.text.util.Rfc822Tokenizer", "=android.text.util.Rfc822Token",
	},
	apiCond: {
		"=android.text.SpannableString", "=android.text.SpannableStringBuilder", "=android.text.Spanned",
		"=android.os.Bundle", "=android.os.PersistableBundle", "=android.os.Parcelable", "=android.os.Parcel",
		"=android.os.SystemClock", "=android.os.Build", "=android.os.Trace",
		"=android.net.Uri", "=android.content.ContentValues", "=android.content.ComponentName",
		"=android.content.Intent", "=android.graphics.Point", "=android.graphics.PointF",
		"=android.graphics.Rect", "=android.graphics.RectF", "=android.graphics.Color", "=android.graphics.Insets",
	},
}

// platformRoots start the names that are classified; every other name is app
// or library code that javac resolves (or reports) itself. An unlisted name
// under one of these roots is device-bound.
var platformRoots = []string{"android", "androidx", "dalvik", "com.google.android", "com.google.firebase"}

// classifyAPI returns the class of a dotted name (a.b.C or a.b.C.member) and
// the rule that matched.
func classifyAPI(name string) (apiClass, string) {
	best, bestRule, exact := apiUnknown, "", false
	for class, rules := range apiRules {
		for _, r := range rules {
			if e, ok := strings.CutPrefix(r, "="); ok {
				if (name == e || strings.HasPrefix(name, e+".")) && (!exact || len(e) > len(bestRule)) {
					best, bestRule, exact = class, e, true
				}
				continue
			}
			if exact {
				continue
			}
			if (name == r || strings.HasPrefix(name, r+".")) && len(r) > len(bestRule) {
				best, bestRule = class, r
			}
		}
	}
	if best != apiUnknown {
		return best, bestRule
	}
	for _, root := range platformRoots {
		if name == root || strings.HasPrefix(name, root+".") {
			return apiDevice, root
		}
	}
	return apiUnknown, ""
}

// checkOffloadable refuses source that cannot run on a server JVM: references
// (imports, qualified names, System.loadLibrary) to device-bound Android APIs
// or to Android state the phone would have to ship, native methods, other
// classes of MAMoC's client library, and methods jadx failed to decompile. It
// returns the shim-able Android classes the source references, sorted, which
// the runtime must supply as stubs or jars.
func checkOffloadable(src []byte) ([]string, error) {
	d, err := parse(src)
	if err != nil {
		return nil, err
	}
	defer d.close()
	var reasons []string
	seen := map[string]bool{}
	shims := map[string]bool{}
	var wildcards []string
	refuse := func(n *sitter.Node, format string, args ...any) {
		r := fmt.Sprintf("line %d: ", n.StartPosition().Row+1) + fmt.Sprintf(format, args...)
		if !seen[r] {
			seen[r] = true
			reasons = append(reasons, r)
		}
	}
	check := func(n *sitter.Node, name string) {
		if strings.HasPrefix(name, "uk.ac.standrews.cs.mamoc_client") {
			refuse(n, "%s belongs to MAMoC's client library, which runs only on the phone", name)
			return
		}
		switch class, rule := classifyAPI(name); class {
		case apiDevice:
			refuse(n, "%s is a device-bound Android API (%s)", name, rule)
		case apiCond:
			refuse(n, "%s needs Android state from the device (%s)", name, rule)
		case apiShim:
			shims[shimClass(name)] = true
		}
	}
	walk(d.root(), func(n *sitter.Node) bool {
		switch n.Kind() {
		case "package_declaration":
			return false
		case "import_declaration":
			name, wildcard, static := d.importName(n)
			if wildcard && !static {
				wildcards = append(wildcards, name)
			}
			check(n, name)
			return false
		case "scoped_identifier", "scoped_type_identifier", "field_access":
			if name := d.dottedName(n); name != "" {
				check(n, name)
				return false
			}
		case "method_invocation":
			if d.isLoadLibrary(n) {
				refuse(n, "System.loadLibrary loads native code built for the phone")
			}
		case "method_declaration":
			if hasModifier(n, "native") {
				nm := "?"
				if name := n.ChildByFieldName("name"); name != nil {
					nm = d.text(name)
				}
				refuse(n, "native method %s has no server implementation", nm)
			}
		case "object_creation_expression":
			if d.isNotDecompiled(n) {
				refuse(n, "jadx could not decompile a method (%s)", strings.TrimSpace(d.text(n)))
			}
		case "type_identifier", "identifier":
			// Simple names through a wildcard import, e.g. DisplayMetrics from android.util.*.
			for _, w := range wildcards {
				if c, _ := classifyAPI(w + "." + d.text(n)); c == apiDevice || c == apiCond {
					if exactRule(w + "." + d.text(n)) {
						check(n, w+"."+d.text(n))
					}
				}
			}
		}
		return true
	})
	if len(reasons) > 0 {
		return nil, &NotOffloadableError{Reasons: reasons}
	}
	out := make([]string, 0, len(shims))
	for s := range shims {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

// exactRule reports whether name is covered by an exact ("=") entry.
func exactRule(name string) bool {
	for _, rules := range apiRules {
		for _, r := range rules {
			if e, ok := strings.CutPrefix(r, "="); ok && (name == e || strings.HasPrefix(name, e+".")) {
				return true
			}
		}
	}
	return false
}

// shimClass cuts a reference such as android.util.Log.d to its class,
// android.util.Log: the first segment that starts with an upper-case letter.
func shimClass(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if p != "" && p[0] >= 'A' && p[0] <= 'Z' {
			return strings.Join(parts[:i+1], ".")
		}
	}
	return name
}

// importName returns an import's dotted name and whether it is a wildcard or
// static import.
func (d *document) importName(imp *sitter.Node) (name string, wildcard, static bool) {
	for _, c := range children(imp) {
		switch c.Kind() {
		case "scoped_identifier", "identifier":
			name = d.dottedName(c)
		case "asterisk":
			wildcard = true
		case "static":
			static = true
		}
	}
	return name, wildcard, static
}

func (d *document) isLoadLibrary(call *sitter.Node) bool {
	name, obj := call.ChildByFieldName("name"), call.ChildByFieldName("object")
	if name == nil || obj == nil {
		return false
	}
	switch d.text(name) {
	case "loadLibrary", "load":
	default:
		return false
	}
	o := d.dottedName(obj)
	return o == "System" || o == "java.lang.System"
}

// isNotDecompiled recognises the body jadx writes for a method it could not
// decompile: throw new UnsupportedOperationException("Method not decompiled: …").
func (d *document) isNotDecompiled(n *sitter.Node) bool {
	typ, args := n.ChildByFieldName("type"), n.ChildByFieldName("arguments")
	if typ == nil || args == nil || !strings.HasSuffix(d.dottedName(typ), "UnsupportedOperationException") {
		return false
	}
	for _, a := range children(args) {
		if a.Kind() == "string_literal" && strings.HasPrefix(strings.Trim(d.text(a), `"`), "Method not decompiled") {
			return true
		}
	}
	return false
}
