package transform

import (
	"embed"
	"sort"
	"strings"
)

// shimFS holds server stubs of shim-able Android classes, as Java sources
// under shims/<package path>/<Class>.java.
//
//go:embed shims
var shimFS embed.FS

// ShimSources returns Java sources of stub classes for the shim-able Android
// classes a task uses (Task.Shims), keyed by path relative to the source root
// ("android/util/Log.java"), to compile beside the task. Stubs exist for
// android.util.Log (to standard error), Pair, SparseArray, Base64 and the pure
// part of android.text.TextUtils. Classes without a stub (org.json is Debian's
// libandroid-json-java jar, for instance) are returned in missing, sorted.
func ShimSources(classes []string) (sources map[string]string, missing []string) {
	sources = map[string]string{}
	for _, c := range classes {
		if ValidateFQCN(c) != nil {
			missing = append(missing, c)
			continue
		}
		rel := strings.ReplaceAll(c, ".", "/") + ".java"
		b, err := shimFS.ReadFile("shims/" + rel)
		if err != nil {
			missing = append(missing, c)
			continue
		}
		sources[rel] = string(b)
	}
	sort.Strings(missing)
	return sources, missing
}
