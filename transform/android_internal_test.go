package transform

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestClassifyAPI(t *testing.T) {
	tests := []struct {
		name string
		want apiClass
	}{
		{"android.util.Log", apiShim},
		{"android.util.Log.d", apiShim},
		{"android.util.SparseArray", apiShim},
		{"android.util.Pair", apiShim},
		{"android.util.Base64", apiShim},
		{"org.json.JSONObject", apiShim},
		{"android.text.TextUtils", apiShim},
		{"android.text.TextUtils.isEmpty", apiShim},
		{"android.text.TextUtils.ellipsize", apiDevice},
		{"android.text.Html", apiDevice},
		{"android.util.DisplayMetrics", apiDevice},
		{"android.view.View", apiDevice},
		{"android.widget.Toast.makeText", apiDevice},
		{"android.hardware.Camera", apiDevice},
		{"android.hardware.SensorManager", apiDevice},
		{"android.location.LocationManager", apiDevice},
		{"android.telephony.SmsManager", apiDevice},
		{"android.bluetooth.BluetoothAdapter", apiDevice},
		{"android.media.MediaRecorder", apiDevice},
		{"android.app.Activity", apiDevice},
		{"android.os.Bundle", apiCond},
		{"android.os.Handler", apiDevice},
		{"androidx.appcompat.app.AppCompatActivity", apiDevice},
		{"androidx.annotation.NonNull", apiPure},
		{"androidx.collection.ArrayMap", apiShim},
		{"android.somethingnew.Thing", apiDevice},
		{"com.google.android.gms.location.Fused", apiDevice},
		{"java.util.List", apiUnknown},
		{"java.lang.System.loadLibrary", apiDevice},
		{"com.example.Helper", apiUnknown},
		{"androidish.Thing", apiUnknown},
	}
	for _, tt := range tests {
		if got, _ := classifyAPI(tt.name); got != tt.want {
			t.Errorf("classifyAPI(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestCheckOffloadable(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		shims   []string
		reasons []string // substrings, one per expected reason; nil means offloadable
	}{
		{
			name:  "pure java",
			src:   "import java.util.ArrayList;\nclass A { int run() { return new ArrayList<String>().size(); } }",
			shims: []string{},
		},
		{
			name:  "shim-able Log and TextUtils",
			src:   "import android.util.Log;\nimport android.text.TextUtils;\nclass A { void run() { Log.d(\"t\", \"m\"); TextUtils.isEmpty(\"\"); } }",
			shims: []string{"android.text.TextUtils", "android.util.Log"},
		},
		{
			name:  "qualified shim use and org.json",
			src:   "class A { void run() throws Exception { android.util.Log.i(\"t\", new org.json.JSONObject(\"{}\").toString()); } }",
			shims: []string{"android.util.Log", "org.json.JSONObject"},
		},
		{
			name:    "activity",
			src:     "import android.app.Activity;\nimport android.os.Bundle;\npublic class M extends Activity { }",
			reasons: []string{"line 1: android.app.Activity is a device-bound", "line 2: android.os.Bundle needs Android state"},
		},
		{
			name:    "qualified widget use",
			src:     "class A { void run() {\n android.widget.Toast.makeText(null, \"x\", 0).show(); } }",
			reasons: []string{"line 2: android.widget.Toast is a device-bound"},
		},
		{
			name:    "qualified type",
			src:     "class A { android.hardware.Camera cam; }",
			reasons: []string{"android.hardware.Camera is a device-bound"},
		},
		{
			name:    "wildcard imports",
			src:     "import android.location.*;\nimport android.util.*;\nclass A { DisplayMetrics m; }",
			reasons: []string{"android.location is a device-bound", "line 3: android.util.DisplayMetrics is a device-bound"},
		},
		{
			name:    "native code",
			src:     "class A { static { System.loadLibrary(\"x\"); } native int f(); }",
			reasons: []string{"System.loadLibrary", "native method f"},
		},
		{
			name:    "jadx failure",
			src:     "class A { void run() { throw new UnsupportedOperationException(\"Method not decompiled: A.run():void\"); } }",
			reasons: []string{"jadx could not decompile"},
		},
		{
			name:    "mamoc client library",
			src:     "import uk.ac.standrews.cs.mamoc_client.MamocFramework;\nclass A {}",
			reasons: []string{"MAMoC's client library"},
		},
		{
			name:  "local variable named like a package is not a reference",
			src:   "class A { int run() { String s = \"\"; return s.length(); } }",
			shims: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shims, err := checkOffloadable([]byte(tt.src))
			if tt.reasons == nil {
				if err != nil {
					t.Fatalf("checkOffloadable(%q) = %v, want nil", tt.src, err)
				}
				if !reflect.DeepEqual(shims, tt.shims) {
					t.Errorf("checkOffloadable(%q) shims = %q, want %q", tt.src, shims, tt.shims)
				}
				return
			}
			var ne *NotOffloadableError
			if !errors.As(err, &ne) || !errors.Is(err, ErrNotOffloadable) {
				t.Fatalf("checkOffloadable(%q) = %v, want *NotOffloadableError", tt.src, err)
			}
			if len(ne.Reasons) != len(tt.reasons) {
				t.Fatalf("checkOffloadable(%q) reasons = %q, want %d matching %q", tt.src, ne.Reasons, len(tt.reasons), tt.reasons)
			}
			for i, want := range tt.reasons {
				if !strings.Contains(ne.Reasons[i], want) {
					t.Errorf("checkOffloadable(%q) reason %d = %q, want it to contain %q", tt.src, i, ne.Reasons[i], want)
				}
			}
		})
	}
}
