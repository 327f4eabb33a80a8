package refactor_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/refactor"
)

func analyze(t *testing.T, path string, cfg refactor.Config) *refactor.Report {
	t.Helper()
	rep, err := refactor.Analyze(context.Background(), readFile(t, path), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestRanking: TestActivity's compute kernels (sieve, quicksort, RC4) rank above its trivial
// methods, each with reasons; library code is not ranked by default.
func TestRanking(t *testing.T) {
	rep := analyze(t, "testdata/TestActivity.apk", refactor.Config{})
	pos := map[string]int{}
	for i, c := range rep.Candidates {
		if _, dup := pos[c.Class+"."+c.Method]; !dup {
			pos[c.Class+"."+c.Method] = i
		}
		if len(c.Reasons) == 0 || c.Score <= 0 {
			t.Errorf("candidate %s.%s: score %v reasons %v", c.Class, c.Method, c.Score, c.Reasons)
		}
		if c.Origin != refactor.OriginApp {
			t.Errorf("candidate %s.%s from %s, want app code only", c.Class, c.Method, c.Origin)
		}
		if i > 0 && c.Score > rep.Candidates[i-1].Score {
			t.Errorf("candidates not sorted: %v after %v", c.Score, rep.Candidates[i-1].Score)
		}
	}
	rankOf := func(m string) int {
		if i, ok := pos[m]; ok {
			return i
		}
		return len(rep.Candidates) // absent: below every listed method
	}
	kernels := []string{"tests.androguard.Eratosthene.eratosthenes", "tests.androguard.TestQuickSort2.quicksort",
		"tests.androguard.TestQuickSort.QuickSort", "tests.androguard.RC4.rc4_crypt"}
	trivial := []string{"tests.androguard.TestIfs.testIF", "tests.androguard.TestIfs.testShortCircuit",
		"tests.androguard.TestInvoke.TestInvoke1", "tests.androguard.TestExceptions.testException1"}
	for _, k := range kernels {
		if _, ok := pos[k]; !ok {
			t.Errorf("kernel %s not among the %d candidates", k, len(rep.Candidates))
			continue
		}
		for _, tr := range trivial {
			if rankOf(k) >= rankOf(tr) {
				t.Errorf("rank(%s) = %d, want above rank(%s) = %d", k, rankOf(k), tr, rankOf(tr))
			}
		}
	}
	if i, ok := pos["tests.androguard.RC4.rc4_crypt"]; ok {
		c := rep.Candidates[i]
		if c.Procedure != "mamoc.app.tests.androguard.RC4.rc4_crypt" || !strings.Contains(strings.Join(c.Reasons, ","), "array") {
			t.Errorf("RC4 candidate = %+v, want its procedure and array work among the reasons", c)
		}
	}
}

func methodsOf(rep *refactor.Report) map[string]refactor.MethodVerdict {
	out := map[string]refactor.MethodVerdict{}
	for _, m := range rep.Methods {
		out[m.Class+"."+m.Name] = m
	}
	return out
}

func procsOf(rep *refactor.Report) map[string]refactor.Procedure {
	out := map[string]refactor.Procedure{}
	for _, p := range rep.Procedures {
		out[p.Name] = p
	}
	return out
}

// TestHostEffectsRefused: exec, file, network and System.exit are refused with evidence chains,
// also for a method that only reaches them; multi-dimensional array creation is computation.
func TestHostEffectsRefused(t *testing.T) {
	rep := analyze(t, "testdata/kernels.apk", refactor.Config{})
	methods := methodsOf(rep)
	tests := []struct {
		method, reason string
		chain          []string
	}{
		{"com.example.kernels.Shell.run", "process spawning", []string{"com.example.kernels.Shell.run", "java.lang.Runtime.exec"}},
		{"com.example.kernels.Shell.viaRun", "process spawning", []string{"com.example.kernels.Shell.viaRun", "com.example.kernels.Shell.run", "java.lang.Runtime.exec"}},
		{"com.example.kernels.Shell.read", "file I/O", []string{"com.example.kernels.Shell.read", "new java.io.FileInputStream"}},
		{"com.example.kernels.Shell.fetch", "network I/O", []string{"com.example.kernels.Shell.fetch", "new java.net.URL"}},
		{"com.example.kernels.Shell.quit", "exits the JVM", []string{"com.example.kernels.Shell.quit", "java.lang.System.exit"}},
	}
	for _, tt := range tests {
		m := methods[tt.method]
		if m.Verdict != refactor.VerdictUnsafe || !strings.Contains(m.Reason, tt.reason) || strings.Join(m.Evidence, " → ") != strings.Join(tt.chain, " → ") {
			t.Errorf("%s = %s (%s) [%s], want %s (%s) [%s]", tt.method, m.Verdict, m.Reason, strings.Join(m.Evidence, " → "),
				refactor.VerdictUnsafe, tt.reason, strings.Join(tt.chain, " → "))
		}
	}
	for name, p := range procsOf(rep) {
		if p.Class == "com.example.kernels.Shell" {
			t.Errorf("procedure %s registered for a host-effect method", name)
		}
	}
	if m := methods["com.example.kernels.Kernel.kernel"]; m.Verdict != refactor.VerdictOffloadable {
		t.Errorf("Kernel.kernel (new double[n][n+1]) = %s (%s), want offloadable", m.Verdict, m.Reason)
	}
}

// TestInstanceProcedures: public instance methods of classes with plain constructors are
// registered as kind "instance" with their constructors; trivial accessors are not ranked high.
func TestInstanceProcedures(t *testing.T) {
	rep := analyze(t, "testdata/kernels.apk", refactor.Config{})
	procs := procsOf(rep)
	tests := []struct {
		name, class, method, returns string
		ctors                        string
	}{
		{"mamoc.app.com.example.kernels.Kernel.kernel", "com.example.kernels.Kernel", "kernel", "com.example.kernels.Result", "[[int]]"},
		{"mamoc.app.com.example.kernels.Counter.sumTo", "com.example.kernels.Counter", "sumTo", "int", "[[]]"},
	}
	for _, tt := range tests {
		p, ok := procs[tt.name]
		got, _ := json.Marshal(p.Ctors)
		if !ok || p.Kind != refactor.KindInstance || p.Class != tt.class || p.Method != tt.method || p.Returns != tt.returns ||
			strings.ReplaceAll(string(got), `"`, "") != tt.ctors {
			t.Errorf("procedure %s = %+v (%v), want instance %s.%s → %s, ctors %s", tt.name, p, ok, tt.class, tt.method, tt.returns, tt.ctors)
		}
	}
	if len(rep.Candidates) == 0 || rep.Candidates[0].Method != "kernel" {
		t.Errorf("top candidate = %+v, want Kernel.kernel", rep.Candidates)
	}
}

// TestLibraryExclusion: bundled library code is analysed and reported but registered only with
// RegisterLibraries.
func TestLibraryExclusion(t *testing.T) {
	tests := []struct {
		apk, libProc string
	}{
		{"testdata/kernels.apk", "mamoc.app.org.apache.commons.fake.Clamp.clamp"},
		{"testdata/TestActivity.apk", "mamoc.app.tests.androguard.android.support.v4.database.DatabaseUtilsCompat.appendSelectionArgs"},
	}
	for _, tt := range tests {
		t.Run(tt.apk, func(t *testing.T) {
			rep := analyze(t, tt.apk, refactor.Config{})
			if rep.Counts.LibraryClasses == 0 {
				t.Errorf("no library class found")
			}
			for _, p := range rep.Procedures {
				if p.Origin != refactor.OriginApp {
					t.Errorf("procedure %s from %s registered by default", p.Name, p.Origin)
				}
			}
			for _, c := range rep.Classes {
				if strings.HasPrefix(c.Name, "android.support.") && c.Origin != refactor.OriginLibrary {
					t.Errorf("class %s origin %s, want library", c.Name, c.Origin)
				}
			}
			libs := analyze(t, tt.apk, refactor.Config{RegisterLibraries: true})
			if p, ok := procsOf(libs)[tt.libProc]; !ok || p.Origin != refactor.OriginLibrary {
				t.Errorf("with RegisterLibraries: %s = %+v (%v), want a library procedure", tt.libProc, p, ok)
			}
		})
	}
}

// slowStore is a MemStore whose final job writes take as long as a slow disk's.
type slowStore struct{ *refactor.MemStore }

func (s slowStore) PutJob(ctx context.Context, j refactor.Job) error {
	if j.State == refactor.StateDone {
		time.Sleep(150 * time.Millisecond)
	}
	return s.MemStore.PutJob(ctx, j)
}

// TestDoneHasReport polls jobs from several goroutines while they run: a job that reads done
// always carries its report, over the API and over HTTP.
func TestDoneHasReport(t *testing.T) {
	leakCheck(t)
	store := slowStore{refactor.NewMemStore()}
	m, srv := startManager(t, refactor.Config{Logger: testLogger(t), DisableLink: true, Workers: 2, Store: store})
	apks := []string{"testdata/TestActivity.apk", "testdata/TC-debug.apk", "testdata/fibonacci.apk", "testdata/kernels.apk"}
	var ids []string
	for _, a := range apks {
		code, id := upload(t, srv.URL, readFile(t, a), false)
		if code != http.StatusAccepted {
			t.Fatalf("upload %s = %d %s", a, code, id)
		}
		ids = append(ids, id)
	}
	var (
		wg        sync.WaitGroup
		done      atomic.Int32
		violation atomic.Value
	)
	check := func(j refactor.Job, via string) bool {
		if j.State == refactor.StateDone && j.Report == nil {
			violation.Store(via + ": job " + j.ID + " done without its report")
		}
		return j.State == refactor.StateDone || j.State == refactor.StateFailed
	}
	for _, id := range ids {
		for range 2 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
					j, err := m.Job(context.Background(), id)
					if err == nil && check(j, "Job") {
						done.Add(1)
						return
					}
				}
			}()
			go func() {
				defer wg.Done()
				for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
					resp, err := http.Get(srv.URL + "/api/jobs/" + id)
					if err != nil {
						continue
					}
					var j refactor.Job
					err = json.NewDecoder(resp.Body).Decode(&j)
					_ = resp.Body.Close()
					if err == nil && check(j, "HTTP") {
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if v := violation.Load(); v != nil {
		t.Error(v)
	}
	if got := int(done.Load()); got != 2*len(ids) {
		t.Errorf("%d pollers saw their job finish, want %d", got, 2*len(ids))
	}
}

// TestReportPage: the HTML report has a legend, the candidates first, then procedures, the
// app's classes (paged) and the libraries (summarised), and stays small for a large app.
func TestReportPage(t *testing.T) {
	leakCheck(t)
	_, srv := startManager(t, refactor.Config{Logger: testLogger(t), DisableLink: true})
	apks := map[string][]byte{"TestActivity.apk": readFile(t, "testdata/TestActivity.apk")}
	if dir := os.Getenv("MAMOC_APK_CORPUS"); dir != "" {
		apks["app-prod-debug.apk"] = readFile(t, filepath.Join(dir, "app-prod-debug.apk"))
	}
	for name, apk := range apks {
		t.Run(name, func(t *testing.T) {
			_, id := upload(t, srv.URL, apk, false)
			if j := waitJob(t, srv.URL, id); j.State != refactor.StateDone {
				t.Fatalf("job = %+v", j)
			}
			get := func(q string) string {
				resp, err := http.Get(srv.URL + "/api/jobs/" + id + "/report" + q)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				return string(b)
			}
			page := get("")
			t.Logf("report: %d bytes", len(page))
			if len(page) > 512<<10 {
				t.Errorf("report is %d bytes, want at most 512 KiB", len(page))
			}
			last := -1
			for _, h := range []string{`id="candidates"`, `id="procedures"`, `id="app"`, `id="libraries"`, `id="legend"`} {
				i := strings.Index(page, h)
				if i <= last {
					t.Errorf("section %s at %d, want after %d", h, i, last)
				}
				last = i
			}
			for _, want := range []string{refactor.VerdictUnsafe, "log2 of the estimated compute weight", "max-width:1240px"} {
				if !strings.Contains(page, want) {
					t.Errorf("report lacks %q", want)
				}
			}
			if strings.Contains(page, "Page 1 of 1 ") {
				return
			}
			if p2 := get("?page=2"); !strings.Contains(p2, "Page 2 of") || p2 == page {
				t.Errorf("page 2 of the report is not the second page")
			}
		})
	}
}
