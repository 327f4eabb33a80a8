package refactor_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/internal/apktest"
	"github.com/mamoc-go/mamoc/refactor"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorpusCompletes(t *testing.T) {
	dir := apktest.Dir(t)
	tests := []struct {
		apk         string
		pkg         string // "" = no manifest
		dex         int
		dexVersion  string
		minClasses  int
		wantClasses []string // app classes that must be analysed as the app's
	}{
		{"TestActivity.apk", "tests.androguard", 1, "035", 340, []string{"tests.androguard.RC4"}},
		{"TC-debug.apk", "org.t0t0.androguard.TC", 1, "", 13, nil},
		{"fibonacci.apk", "", 1, "", 1, []string{"fibonacci"}},
		{"jadx-small.apk", "io.github.skylot.android.smallapp", 1, "038", 1, nil},
		{"com.politedroid_4.apk", "com.politedroid", 1, "", 5, []string{"android.preference.ListPreferenceMultiSelect"}},
		{"com.teleca.jamendo_35.apk", "com.teleca.jamendo", 1, "", 200, nil},
		{"a2dp.Vol_137.apk", "a2dp.Vol", 1, "", 1000, nil},
		{"app-prod-debug.apk", "", 2, "", 2000, nil},
	}
	for _, tt := range tests {
		t.Run(tt.apk, func(t *testing.T) {
			rep, err := refactor.Analyze(context.Background(), readFile(t, filepath.Join(dir, tt.apk)), refactor.Config{})
			if err != nil {
				t.Fatalf("Analyze(%s) = %v", tt.apk, err)
			}
			if tt.pkg == "" && tt.apk == "fibonacci.apk" {
				if rep.Manifest != nil || !strings.Contains(rep.ManifestError, "no AndroidManifest.xml") {
					t.Errorf("manifest = %+v, error %q; want none and a note", rep.Manifest, rep.ManifestError)
				}
			} else if rep.Manifest == nil || (tt.pkg != "" && rep.Manifest.Package != tt.pkg) {
				t.Errorf("manifest = %+v (%s), want package %q", rep.Manifest, rep.ManifestError, tt.pkg)
			}
			if len(rep.DEX) != tt.dex || (tt.dexVersion != "" && rep.DEX[0].Version != tt.dexVersion) {
				t.Errorf("dex = %+v, want %d files version %q", rep.DEX, tt.dex, tt.dexVersion)
			}
			if rep.Counts.Classes < tt.minClasses || rep.Counts.Methods == 0 || len(rep.Methods) != rep.Counts.Methods {
				t.Errorf("counts = %+v, want ≥ %d classes", rep.Counts, tt.minClasses)
			}
			if got := rep.Counts.OffloadableMethods + rep.Counts.ConditionalMethods + rep.Counts.DeviceMethods + rep.Counts.UnsafeMethods; got != rep.Counts.Methods {
				t.Errorf("verdict counts add to %d, want %d", got, rep.Counts.Methods)
			}
			have := map[string]bool{}
			for _, c := range rep.Classes {
				have[c.Name] = true
				if c.Verdict == "" || c.Reason == "" {
					t.Errorf("class %s verdict %q reason %q", c.Name, c.Verdict, c.Reason)
				}
			}
			for _, c := range tt.wantClasses {
				if !have[c] {
					t.Errorf("class %s not analysed as the app's", c)
				}
			}
			for _, m := range rep.Methods {
				if m.Verdict != refactor.VerdictOffloadable && len(m.Evidence) == 0 {
					t.Errorf("%s.%s: %s without evidence (%s)", m.Class, m.Name, m.Verdict, m.Reason)
				}
			}
		})
	}
}

func TestTestActivityVerdicts(t *testing.T) {
	rep, err := refactor.Analyze(context.Background(), readFile(t, "testdata/TestActivity.apk"), refactor.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if m := rep.Manifest; m.MainActivity != "tests.androguard.TestActivity" || m.VersionName == "" {
		t.Errorf("manifest = %+v, want main activity tests.androguard.TestActivity", m)
	}
	methods := map[string]refactor.MethodVerdict{}
	for _, m := range rep.Methods {
		methods[m.Class+"."+m.Name+m.Descriptor] = m
	}
	tests := []struct {
		method   string
		verdict  string
		evidence string // substring of the joined chain
	}{
		{"tests.androguard.Eratosthene.eratosthenes(I)[I", refactor.VerdictOffloadable, ""},
		{"tests.androguard.TestQuickSort.QuickSort([III)V", refactor.VerdictOffloadable, ""},
		{"tests.androguard.RC4.rc4_crypt([B[B)V", refactor.VerdictOffloadable, ""},
		{"tests.androguard.TestActivity.onCreate(Landroid/os/Bundle;)V", refactor.VerdictDevice, "tests.androguard.TestActivity.onCreate → android.app.Activity"},
	}
	for _, tt := range tests {
		m, ok := methods[tt.method]
		if !ok {
			t.Errorf("%s not in report", tt.method)
			continue
		}
		chain := strings.Join(m.Evidence, " → ")
		if m.Verdict != tt.verdict || !strings.Contains(chain, tt.evidence) {
			t.Errorf("verdict(%s) = %s (%s) [%s], want %s [%s]", tt.method, m.Verdict, m.Reason, chain, tt.verdict, tt.evidence)
		}
	}
	classes := map[string]refactor.ClassVerdict{}
	for _, c := range rep.Classes {
		classes[c.Name] = c
	}
	if c := classes["tests.androguard.RC4"]; c.Verdict != refactor.VerdictOffloadable {
		t.Errorf("class RC4 = %s (%s), want offloadable", c.Verdict, c.Reason)
	}
	if c := classes["tests.androguard.TestActivity"]; c.Verdict != refactor.VerdictDevice || !c.TouchesDevice ||
		!strings.Contains(c.Reason, "extends android.app.Activity") {
		t.Errorf("class TestActivity = %s (%s), touches %v; want device-bound, extends android.app.Activity", c.Verdict, c.Reason, c.TouchesDevice)
	}
	procs := map[string]refactor.Procedure{}
	for _, p := range rep.Procedures {
		procs[p.Name] = p
	}
	for name, want := range map[string]string{
		"mamoc.app.tests.androguard.RC4.rc4_crypt":            "byte[],byte[]->void",
		"mamoc.app.tests.androguard.Eratosthene.eratosthenes": "int->int[]",
		"mamoc.app.tests.androguard.TestQuickSort.QuickSort":  "int[],int,int->void",
	} {
		p, ok := procs[name]
		if got := strings.Join(p.Params, ",") + "->" + p.Returns; !ok || got != want || p.Kind != refactor.KindStatic {
			t.Errorf("procedure %s = %+v (%v), want %s", name, p, ok, want)
		}
	}
	for name := range procs {
		if strings.Contains(name, "TestActivity.") {
			t.Errorf("procedure %s registered for a UI class", name)
		}
	}
}

// dexOf returns classes.dex of an APK.
func dexOf(t testing.TB, apk []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(apk), int64(len(apk)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("classes.dex")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type entry struct {
	name  string
	data  []byte
	store bool
}

func makeZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if e.store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noCentralDir cuts a zip before its central directory, so readers fall back to local headers.
func noCentralDir(z []byte) []byte {
	return z[:bytes.LastIndex(z, []byte("PK\x01\x02"))]
}

// lyingZip stores data deflated under a local and central header that claim 100 bytes.
func lyingZip(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	_, _ = fw.Write(data)
	_ = fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 100})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(comp.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHostileInput(t *testing.T) {
	dex := dexOf(t, readFile(t, "testdata/TestActivity.apk"))
	patch := func(off int, v uint32) []byte {
		b := bytes.Clone(dex)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	// A class_data_item whose first count claims 2^28 fields.
	hugeClassData := func() []byte {
		b := bytes.Clone(dex)
		classDefs := binary.LittleEndian.Uint32(b[100:])
		for i := uint32(0); i < binary.LittleEndian.Uint32(b[96:]); i++ {
			if off := binary.LittleEndian.Uint32(b[classDefs+32*i+24:]); off != 0 {
				copy(b[off:], []byte{0xff, 0xff, 0xff, 0x7f})
				return b
			}
		}
		t.Fatal("no class data")
		return nil
	}()
	flipped := bytes.Clone(dex)
	for i := 0x70; i < len(flipped); i += 97 {
		flipped[i] ^= 0xa5
	}
	tests := []struct {
		name string
		apk  []byte
		cfg  refactor.Config
		want error
		msg  string
	}{
		{"not a zip", []byte("hello, this is not an APK at all"), refactor.Config{}, refactor.ErrNotZip, "not a zip"},
		{"empty", nil, refactor.Config{}, refactor.ErrNotZip, ""},
		{"zip header only", []byte("PK\x03\x04garbage"), refactor.Config{}, refactor.ErrNotZip, ""},
		{"over size limit", makeZip(t, entry{name: "classes.dex", data: dex}), refactor.Config{MaxAPKBytes: 1000}, refactor.ErrTooLarge, "limit 1000"},
		{"zip bomb", makeZip(t, entry{name: "classes.dex", data: make([]byte, 8<<20)}), refactor.Config{MaxEntryBytes: 1 << 20}, refactor.ErrTooLarge, "classes.dex"},
		{"zip bomb, lying header", lyingZip(t, "classes.dex", make([]byte, 8<<20)), refactor.Config{MaxEntryBytes: 1 << 20}, refactor.ErrNotZip, "corrupt entry \"classes.dex\""},
		{"zip bomb, no central directory", noCentralDir(makeZip(t, entry{name: "classes.dex", data: make([]byte, 8<<20)})), refactor.Config{MaxEntryBytes: 1 << 20}, refactor.ErrTooLarge, "inflates past"},
		{"manifest bomb", makeZip(t, entry{name: "AndroidManifest.xml", data: make([]byte, 4<<20)}, entry{name: "classes.dex", data: dex}), refactor.Config{MaxEntryBytes: 1 << 20}, refactor.ErrTooLarge, "AndroidManifest.xml"},
		{"dot-dot entry", makeZip(t, entry{name: "../../etc/evil.dex", data: []byte("x")}, entry{name: "classes.dex", data: dex}), refactor.Config{}, refactor.ErrBadEntryName, "../"},
		{"absolute entry", makeZip(t, entry{name: "/tmp/evil", data: []byte("x")}, entry{name: "classes.dex", data: dex}), refactor.Config{}, refactor.ErrBadEntryName, ""},
		{"no dex", makeZip(t, entry{name: "assets/readme.txt", data: []byte("x")}), refactor.Config{}, refactor.ErrNoDEX, ""},
		{"truncated dex header", makeZip(t, entry{name: "classes.dex", data: dex[:60]}), refactor.Config{}, refactor.ErrBadDEX, "shorter than the header"},
		{"truncated dex", makeZip(t, entry{name: "classes.dex", data: dex[:len(dex)/2]}), refactor.Config{}, refactor.ErrBadDEX, "truncated"},
		{"bad magic", makeZip(t, entry{name: "classes.dex", data: append([]byte("dey\n035\x00"), dex[8:]...)}), refactor.Config{}, refactor.ErrBadDEX, "magic"},
		{"huge method count", makeZip(t, entry{name: "classes.dex", data: patch(88, 0x7fffffff)}), refactor.Config{}, refactor.ErrBadDEX, "method_ids"},
		{"method count over limit", makeZip(t, entry{name: "classes.dex", data: dex}), refactor.Config{MaxMethods: 1000}, refactor.ErrTooManyMethods, "limit 1000"},
		{"huge string", makeZip(t, entry{name: "classes.dex", data: patch(60, uint32(len(dex)-4))}), refactor.Config{}, refactor.ErrBadDEX, ""},
		{"huge class data", makeZip(t, entry{name: "classes.dex", data: hugeClassData}), refactor.Config{}, refactor.ErrBadDEX, "class data"},
		{"corrupt dex", makeZip(t, entry{name: "classes.dex", data: flipped}), refactor.Config{}, refactor.ErrBadDEX, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := refactor.Analyze(context.Background(), tt.apk, tt.cfg)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Analyze = %v, %v; want %v containing %q", rep != nil, err, tt.want, tt.msg)
			}
		})
	}
}

// TestTruncatedDEXNeverPanics cuts the corpus DEX at many lengths: each is an error, never a crash.
func TestTruncatedDEXNeverPanics(t *testing.T) {
	dex := dexOf(t, readFile(t, "testdata/TC-debug.apk"))
	for n := 0; n < len(dex); n += max(1, len(dex)/97) {
		_, err := refactor.Analyze(context.Background(), makeZip(t, entry{name: "classes.dex", data: dex[:n]}), refactor.Config{})
		if err == nil {
			t.Errorf("dex truncated to %d of %d bytes: no error", n, len(dex))
		}
	}
}

// TestHostileJobsFail submits hostile uploads as jobs: each fails with a clear error and the
// Manager keeps serving (a good APK afterwards completes).
func TestHostileJobsFail(t *testing.T) {
	leakCheck(t)
	dex := dexOf(t, readFile(t, "testdata/TC-debug.apk"))
	m, _ := startManager(t, refactor.Config{Logger: testLogger(t), DisableLink: true, MaxEntryBytes: 1 << 20})
	tests := []struct {
		name string
		apk  []byte
		msg  string
	}{
		{"zip bomb", makeZip(t, entry{name: "classes.dex", data: make([]byte, 4<<20)}), "zip bomb"},
		{"dot-dot", makeZip(t, entry{name: "../x", data: []byte("x")}, entry{name: "classes.dex", data: dex}), "unsafe zip entry name"},
		{"truncated dex", makeZip(t, entry{name: "classes.dex", data: dex[:len(dex)-100]}), "malformed dex"},
		{"good", readFile(t, "testdata/TC-debug.apk"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := m.Submit(context.Background(), bytes.NewReader(tt.apk), "test")
			if err != nil {
				t.Fatal(err)
			}
			var j refactor.Job
			for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(10 * time.Millisecond) {
				if j, err = m.Job(context.Background(), id); err != nil {
					t.Fatal(err)
				}
				if j.State == refactor.StateDone || j.State == refactor.StateFailed {
					break
				}
			}
			if tt.msg == "" {
				if j.State != refactor.StateDone || j.Report == nil {
					t.Errorf("job = %s %q, want done", j.State, j.Error)
				}
				return
			}
			if j.State != refactor.StateFailed || !strings.Contains(j.Error, tt.msg) || j.Report != nil {
				t.Errorf("job = %s %q, want failed with %q", j.State, j.Error, tt.msg)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  refactor.Config
		ok   bool
	}{
		{"zero is defaults", refactor.Config{}, true},
		{"negative workers", refactor.Config{Workers: -1}, false},
		{"negative size", refactor.Config{MaxAPKBytes: -5}, false},
		{"negative timeout", refactor.Config{LinkTimeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := refactor.New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New(%+v) = %v, want ok %v", tt.cfg, err, tt.ok)
			}
			if m != nil {
				_ = m.Close()
			}
		})
	}
}
