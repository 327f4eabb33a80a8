package refactor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/internal/apktest"
	"github.com/mamoc-go/mamoc/refactor"
)

// TestAndroguardComparison runs androguard (Debian's, /usr/bin/python3) and refactor.Analyze on
// every corpus APK in the same run and prints two Markdown tables: timings (the ≥10× goal) and
// agreement on which app classes touch device-bound APIs directly. It is opt-in (it takes a
// while): MAMOC_COMPARE=1 go test -run TestAndroguardComparison -v ./refactor
func TestAndroguardComparison(t *testing.T) {
	if os.Getenv("MAMOC_COMPARE") == "" {
		t.Skip("set MAMOC_COMPARE=1 to compare with androguard")
	}
	requireTools(t, "androguard")
	dir := apktest.Dir(t)
	apks, _ := filepath.Glob(filepath.Join(dir, "*.apk"))
	sort.Strings(apks)
	args := append([]string{"scripts/androguard_classes.py", "rules.txt"}, apks...)
	out, err := exec.Command("/usr/bin/python3", args...).Output()
	if err != nil {
		t.Fatalf("androguard script: %v", err)
	}
	var ag map[string]struct {
		Seconds float64         `json:"seconds"`
		Classes map[string]bool `json:"classes"`
	}
	if err := json.Unmarshal(out, &ag); err != nil {
		t.Fatal(err)
	}
	var timing, agree strings.Builder
	firstRPC := uploadToRPC(t, apks, refactor.Config{})
	fmt.Fprintln(&timing, "| APK | classes | methods | offloadable methods | registered RPCs | mamoc analysis | androguard | speed-up | upload → first RPC |")
	fmt.Fprintln(&timing, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintln(&agree, "| APK | classes (both) | touch: both | mamoc only | androguard only | neither | agreement | agreement, same reference kinds |")
	fmt.Fprintln(&agree, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var onlyUs, onlyAG, mismatch []string
	var sumUs, sumAG float64
	for _, p := range apks {
		name := filepath.Base(p)
		data := readFile(t, p)
		var rep *refactor.Report
		best := time.Duration(1 << 62)
		for range 5 {
			start := time.Now()
			rep, err = refactor.Analyze(context.Background(), data, refactor.Config{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			best = min(best, time.Since(start))
		}
		a := ag[name]
		sumUs += best.Seconds()
		sumAG += a.Seconds
		rpc := "—"
		if d, ok := firstRPC[name]; ok {
			rpc = fmt.Sprintf("%.1f s", d.Seconds())
		}
		fmt.Fprintf(&timing, "| %s | %d | %d | %d | %d | %.1f ms | %.1f ms | %.0f× | %s |\n", name, rep.Counts.Classes, rep.Counts.Methods,
			rep.Counts.OffloadableMethods, rep.Counts.Procedures, best.Seconds()*1000, a.Seconds*1000, a.Seconds/best.Seconds(), rpc)
		var both, us, them, neither, total, same int
		for _, c := range rep.Classes {
			at, ok := a.Classes[c.Name]
			if !ok {
				continue
			}
			total++
			// The reference kinds androguard's class xrefs see: calls, new-instance,
			// const-class (and the supertypes the script adds).
			comparable := false
			for _, k := range c.DirectKinds {
				comparable = comparable || k == "call" || k == "new" || k == "const-class" || k == "super"
			}
			if comparable == at {
				same++
			} else {
				mismatch = append(mismatch, fmt.Sprintf("%s: %s mamoc %v %v (%s), androguard %v", name, c.Name, comparable, c.DirectKinds, c.DirectRef, at))
			}
			switch {
			case c.TouchesDevice && at:
				both++
			case c.TouchesDevice:
				us++
				onlyUs = append(onlyUs, name+": "+c.Name+" — "+c.DirectRef)
			case at:
				them++
				onlyAG = append(onlyAG, name+": "+c.Name)
			default:
				neither++
			}
		}
		fmt.Fprintf(&agree, "| %s | %d | %d | %d | %d | %d | %.1f%% | %.1f%% |\n", name, total, both, us, them, neither,
			100*float64(both+neither)/float64(max(total, 1)), 100*float64(same)/float64(max(total, 1)))
	}
	fmt.Fprintf(&timing, "| total | | | | | %.1f ms | %.1f ms | %.0f× | |\n", sumUs*1000, sumAG*1000, sumAG/sumUs)
	t.Logf("\n%s\n%s", timing.String(), agree.String())
	// Group the differences by the kind of reference mamoc saw first.
	kinds := map[string]int{}
	for _, d := range onlyUs {
		ref := d[strings.LastIndex(d, " — ")+len(" — "):]
		kind := "call/new/const-class"
		switch {
		case strings.HasPrefix(ref, "type "):
			kind = "parameter/return/field type"
		case strings.HasPrefix(ref, "cast to "), strings.HasPrefix(ref, "instanceof "):
			kind = "check-cast/instance-of"
		case strings.HasPrefix(ref, "new ") && strings.HasSuffix(ref, "[]"):
			kind = "new-array"
		case !strings.HasPrefix(ref, "new ") && strings.Count(ref, ".") > 1 && !strings.Contains(ref, "("):
			kind = "field access or call"
		}
		kinds[kind]++
	}
	t.Logf("mamoc-only by first reference kind: %v", kinds)
	for i, d := range onlyUs {
		if i < 15 {
			t.Logf("mamoc only: %s", d)
		}
	}
	for i, d := range mismatch {
		if i < 15 || !strings.Contains(d, "support.v") {
			t.Logf("same-kind mismatch: %s", d)
		}
	}
	for i, d := range onlyAG {
		if i < 15 {
			t.Logf("androguard only: %s", d)
		}
	}
	if sumAG/sumUs < 10 {
		t.Errorf("mamoc %.3fs vs androguard %.3fs: under 10× faster", sumUs, sumAG)
	}
}

// timingRegistrar records when each app's procedures are registered.
type timingRegistrar struct {
	mu   sync.Mutex
	when map[string]time.Time // by APK sha256
}

func (r *timingRegistrar) RegisterProcedures(_ context.Context, app refactor.AppInfo, _ []byte, _ []refactor.Procedure) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.when[app.APKSHA256] = time.Now()
	return nil
}

// uploadToRPC submits each APK to a fresh Manager configured by cfg, one at a time, and
// returns the time from Submit to the registration of its procedures.
func uploadToRPC(t *testing.T, apks []string, cfg refactor.Config) map[string]time.Duration {
	out := map[string]time.Duration{}
	if _, err := exec.LookPath("enjarify"); err != nil {
		return out
	}
	reg := &timingRegistrar{when: map[string]time.Time{}}
	cfg.Registrar = reg
	m, _ := startManager(t, cfg)
	for _, p := range apks {
		start := time.Now()
		id, err := m.Submit(context.Background(), bytes.NewReader(readFile(t, p)), "bench")
		if err != nil {
			t.Fatal(err)
		}
		for {
			j, err := m.Job(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == refactor.StateDone || j.State == refactor.StateFailed {
				reg.mu.Lock()
				if w, ok := reg.when[j.APKSHA256]; ok {
					out[filepath.Base(p)] = w.Sub(start)
				}
				reg.mu.Unlock()
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return out
}

// TestUploadToFirstRPC prints, per corpus APK, the time from upload to the registration of its
// procedures when only the procedures' closure is translated (now) and when enjarify translates
// the whole APK first (before), in the same run, with the app's own procedures and with its
// libraries' too. It is opt-in: MAMOC_COMPARE=1 go test -run TestUploadToFirstRPC -v ./refactor
func TestUploadToFirstRPC(t *testing.T) {
	if os.Getenv("MAMOC_COMPARE") == "" {
		t.Skip("set MAMOC_COMPARE=1 to measure upload → first RPC")
	}
	requireTools(t, "enjarify")
	apks, _ := filepath.Glob(filepath.Join(apktest.Dir(t), "*.apk"))
	sort.Strings(apks)
	var tab strings.Builder
	fmt.Fprintln(&tab, "| APK | procedures (app) | whole APK | closure | speed-up | procedures (app + libraries) | whole APK | closure | speed-up |")
	fmt.Fprintln(&tab, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	type run struct {
		procs         map[string]int
		before, after map[string]time.Duration
	}
	var runs []run
	for _, libs := range []bool{false, true} {
		r := run{procs: map[string]int{}}
		r.before = uploadToRPC(t, apks, refactor.Config{LinkWholeAPK: true, RegisterLibraries: libs})
		r.after = uploadToRPC(t, apks, refactor.Config{RegisterLibraries: libs})
		for _, p := range apks {
			rep, err := refactor.Analyze(context.Background(), readFile(t, p), refactor.Config{RegisterLibraries: libs})
			if err != nil {
				t.Fatal(err)
			}
			r.procs[filepath.Base(p)] = len(rep.Procedures)
		}
		runs = append(runs, r)
	}
	cell := func(d time.Duration, ok bool) string {
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	for _, p := range apks {
		name := filepath.Base(p)
		fmt.Fprintf(&tab, "| %s", name)
		for _, r := range runs {
			b, okb := r.before[name]
			a, oka := r.after[name]
			ratio := "—"
			if okb && oka {
				ratio = fmt.Sprintf("%.1f×", b.Seconds()/a.Seconds())
			}
			fmt.Fprintf(&tab, " | %d | %s | %s | %s", r.procs[name], cell(b, okb), cell(a, oka), ratio)
		}
		fmt.Fprintln(&tab, " |")
	}
	t.Logf("upload → first RPC (procedures registered), before (whole APK) and after (closure):\n%s", tab.String())
}

// BenchmarkAnalyze measures refactor.Analyze (unpack, manifest, DEX, graph, verdicts) per corpus APK.
func BenchmarkAnalyze(b *testing.B) {
	dir := apktest.Dir(b)
	apks, _ := filepath.Glob(filepath.Join(dir, "*.apk"))
	for _, p := range apks {
		data := readFile(b, p)
		b.Run(filepath.Base(p), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := refactor.Analyze(context.Background(), data, refactor.Config{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
