package refactor

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// entriesOf returns the named entry of every APK in testdata (the fuzz seed corpus).
func entriesOf(f *testing.F, name string) [][]byte {
	f.Helper()
	apks, _ := filepath.Glob("testdata/*.apk")
	var out [][]byte
	for _, p := range apks {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			f.Fatal(err)
		}
		if rc, err := zr.Open(name); err == nil {
			data, _ := io.ReadAll(rc)
			_ = rc.Close()
			out = append(out, data)
		}
	}
	if len(out) == 0 {
		f.Fatalf("no %s in testdata", name)
	}
	return out
}

// FuzzDEX feeds mutated DEX files to the DEX stage, the call graph, the ranking and the
// procedure list. Run it bounded with
// go test -fuzz=FuzzDEX -fuzztime=30s ./refactor
func FuzzDEX(f *testing.F) {
	for _, d := range entriesOf(f, "classes.dex") {
		if len(d) < 64<<10 { // keep the seeds small enough to mutate quickly
			f.Add(d)
		}
		f.Add(d[:min(len(d), 200)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		watchdog := time.AfterFunc(5*time.Second, func() { panic("FuzzDEX: input hangs") })
		defer watchdog.Stop()
		defer func() {
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("input of %d bytes took %v", len(data), d)
			}
		}()
		df, err := parseDEX(ctx, "classes.dex", data, 65536)
		if err != nil {
			return
		}
		g, err := buildGraph(ctx, []*dexFile{df}, defaultRules, DefaultShims())
		if err != nil {
			t.Fatalf("buildGraph: %v", err)
		}
		g.solve()
		for _, n := range g.nodes {
			if n.verdict == "" {
				t.Fatalf("node %s has no verdict", n.label)
			}
		}
		o := newOrigins(nil, g.order)
		cands := rank(g, o, func(string) bool { return true })
		for i, c := range cands {
			if math.IsNaN(c.Score) || c.Score < 0 || i > 0 && c.Score > cands[i-1].Score {
				t.Fatalf("candidate %d %s.%s: score %v after %v", i, c.Class, c.Method, c.Score, cands[max(i-1, 0)].Score)
			}
		}
		procs, _, _ := listProcedures(g, "", o, true)
		for _, p := range procs {
			if p.Name == "" || p.Kind == KindInstance && len(p.Ctors) == 0 {
				t.Fatalf("procedure %+v", p)
			}
		}
	})
}

// FuzzManifest feeds mutated binary AndroidManifest.xml files to the manifest stage.
func FuzzManifest(f *testing.F) {
	for _, m := range entriesOf(f, "AndroidManifest.xml") {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data, nil)
		if err == nil && (m == nil || m.Package == "") {
			t.Fatalf("parseManifest = %+v, nil; want a package", m)
		}
	})
}
