package gvisor_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/gvisor"
	"github.com/mamoc-go/mamoc/unikernel-runtime/process"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

// The benchmarks run the gvisor driver, the process driver and a bare JVM in the same run and
// report ratios (.ci/bench.d/gvisor.sh). Times are client-side (Runtime.Invoke) unless noted.

// benchDriver is one driver under benchmark, with the cgroup v1 memory directory of its instances.
type benchDriver struct {
	name   string
	drv    unikernel.Driver
	memDir string // <memory controller>/<parent>; an instance's leaf is memDir/<id>
}

// benchCgroupParent holds the cgroup leaves of everything measured: the drivers' instances and
// the bare JVM sit side by side, so the host's CPU scheduler, which weighs cgroups as groups,
// treats them alike however loaded the machine is.
const benchCgroupParent = "mamoc-bench"

func benchDrivers(b *testing.B) []benchDriver {
	b.Helper()
	if _, err := exec.LookPath("runsc"); err != nil || os.Geteuid() != 0 {
		b.Skip("runsc and root needed (see .ci/deps/gvisor.sh)")
	}
	gv, err := gvisor.New(gvisor.Config{CgroupParent: benchCgroupParent + "/gvisor"})
	if err != nil {
		b.Fatal(err)
	}
	pr, err := process.New(process.Config{CgroupParent: benchCgroupParent + "/process"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = gv.Close(), pr.Close() })
	return []benchDriver{
		{"gvisor", gv, "/sys/fs/cgroup/memory/" + benchCgroupParent + "/gvisor"},
		{"process", pr, "/sys/fs/cgroup/memory/" + benchCgroupParent + "/process"},
	}
}

// bareCgroup is a leaf for the bare JVM beside the instances' leaves, with their default 1-core quota.
type bareCgroup struct{ dirs []string }

func newBareCgroup(b *testing.B) *bareCgroup {
	b.Helper()
	c := &bareCgroup{}
	for _, ctrl := range []string{"memory", "cpu", "cpuacct"} {
		dir := filepath.Join("/sys/fs/cgroup", ctrl, benchCgroupParent, "bare-"+strconv.Itoa(os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Skipf("no %s cgroup for the bare JVM: %v", ctrl, err)
		}
		c.dirs = append(c.dirs, dir)
		b.Cleanup(func() { _ = os.Remove(dir) })
	}
	if err := os.WriteFile(filepath.Join(c.dirs[1], "cpu.cfs_quota_us"), []byte("100000"), 0); err != nil {
		b.Fatal(err)
	}
	return c
}

// java returns a command running java with args inside the leaf.
func (c *bareCgroup) java(args ...string) *exec.Cmd {
	script := `for d in $MAMOC_BENCH_CG; do echo $$ > "$d/cgroup.procs" || exit 1; done; exec java "$@"`
	cmd := exec.Command("sh", append([]string{"-c", script, "sh"}, args...)...)
	cmd.Env = append(os.Environ(), "MAMOC_BENCH_CG="+strings.Join(c.dirs, " "))
	return cmd
}

func benchRuntime(b *testing.B, drv unikernel.Driver, cfg unikernel.Config) (*unikernel.Runtime, unikernel.Artifact) {
	b.Helper()
	rt, err := unikernel.NewWithDriver(cfg, drv, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	art, err := rt.Compile(ctx, "bench", unikerneltest.Sources)
	if err != nil {
		b.Fatal(err)
	}
	return rt, art
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

const benchHarness = `public class Harness {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("hello")) { System.out.println("hello"); return; }
        int n = Integer.parseInt(a[1]);
        StringBuilder out = new StringBuilder();
        int r = 0;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < Integer.parseInt(a[2]); i++) {
            long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
            r = new demo.Queens(n).run();
            out.append(" ").append(System.nanoTime() - t0).append(" ").append(mx.getCurrentThreadCpuTime() - c0);
        }
        System.out.println(r + out.toString());
        if (a[0].equals("idle")) Thread.sleep(60000);
    }
}`

// BenchmarkColdStart measures a call on a fresh instance (boot, first answer, load, a no-op
// invoke) on each driver, beside a bare `java -Xshare:auto Hello`, in the same iterations.
func BenchmarkColdStart(b *testing.B) {
	drivers := benchDrivers(b)
	bare := newBareCgroup(b)
	classes := unikerneltest.HostClasses(b, map[string]string{"demo.Queens": unikerneltest.Sources["demo.Queens"], "Harness": benchHarness})
	ctx := context.Background()
	cold := map[string][]time.Duration{}
	type rtArt struct {
		rt  *unikernel.Runtime
		art unikernel.Artifact
	}
	rts := map[string]rtArt{}
	for _, d := range drivers {
		rt, art := benchRuntime(b, d.drv, unikernel.Config{Spare: -1, MinWarm: -1, MaxCallsPerInstance: 1})
		rts[d.name] = rtArt{rt, art}
	}
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		out, err := bare.java("-Xshare:auto", "-cp", classes, "Harness", "hello").Output()
		if err != nil || strings.TrimSpace(string(out)) != "hello" {
			b.Fatalf("bare java = %q, %v", out, err)
		}
		cold["bare"] = append(cold["bare"], time.Since(t0))
		for _, d := range drivers {
			r := rts[d.name]
			time.Sleep(200 * time.Millisecond) // let the previous instance's stop finish
			t0 := time.Now()
			if _, err := r.rt.Invoke(ctx, unikernel.Call{Group: "bench", Artifact: r.art, Class: "demo.Echo", Method: "nothing"}); err != nil {
				b.Fatal(err)
			}
			cold[d.name] = append(cold[d.name], time.Since(t0))
		}
	}
	g, p, bj := unikerneltest.Median(cold["gvisor"]), unikerneltest.Median(cold["process"]), unikerneltest.Median(cold["bare"])
	b.ReportMetric(ms(g), "gvisor-ms")
	b.ReportMetric(ms(p), "process-ms")
	b.ReportMetric(ms(bj), "bare-java-ms")
	b.ReportMetric(float64(g)/float64(p), "gvisor/process")
	b.ReportMetric(float64(g)/float64(bj), "gvisor/bare")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkWarmInvoke measures a no-op static call on a warm instance of each driver, the two
// interleaved; goal: gvisor p50 within 1.5× of process.
func BenchmarkWarmInvoke(b *testing.B) {
	drivers := benchDrivers(b)
	ctx := context.Background()
	lat := map[string][]time.Duration{}
	calls := map[string]unikernel.Call{}
	rts := map[string]*unikernel.Runtime{}
	for _, d := range drivers {
		rt, art := benchRuntime(b, d.drv, unikernel.Config{Spare: -1, MaxCallsPerInstance: 1 << 30})
		rts[d.name] = rt
		calls[d.name] = unikernel.Call{Group: "bench", Artifact: art, Class: "demo.Echo", Method: "nothing"}
		for i := 0; i < 300; i++ { // warm the JIT and the class loader
			if _, err := rt.Invoke(ctx, calls[d.name]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range drivers {
			t0 := time.Now()
			if _, err := rts[d.name].Invoke(ctx, calls[d.name]); err != nil {
				b.Fatal(err)
			}
			lat[d.name] = append(lat[d.name], time.Since(t0))
		}
	}
	b.StopTimer()
	p99 := func(d []time.Duration) time.Duration {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)*99/100]
	}
	g, p := unikerneltest.Median(lat["gvisor"]), unikerneltest.Median(lat["process"])
	b.ReportMetric(ms(g), "gvisor-p50-ms")
	b.ReportMetric(ms(p99(lat["gvisor"])), "gvisor-p99-ms")
	b.ReportMetric(ms(p), "process-p50-ms")
	b.ReportMetric(ms(p99(lat["process"])), "process-p99-ms")
	b.ReportMetric(float64(g)/float64(p), "gvisor/process")
	b.ReportMetric(0, "ns/op")
}

// nqueensRuns are the calls BenchmarkNQueens reports, by their position on one instance (or in
// one plain JVM): the first (JIT warm-up, page faults), the second, and the fifth (settled code).
var nqueensRuns = []struct {
	name string
	call int
}{{"first", 1}, {"warm", 2}, {"settled", 5}}

// BenchmarkNQueens runs NQueens(13) five times on a fresh instance of each driver and in a fresh
// plain JVM, each timed inside its JVM, and reports the first, second and fifth runs. Ratios are
// speeds, plain / sandbox (goal for gvisor ≥ 0.95). All three have a 1-core quota (the instances'
// default). Wall times swing with the host's load; CPU time (the whole instance's from its cgroup,
// the Sentry's included, against the plain JVM's computing thread) does not.
func BenchmarkNQueens(b *testing.B) {
	const calls = 5
	drivers := benchDrivers(b)
	bare := newBareCgroup(b)
	classes := unikerneltest.HostClasses(b, map[string]string{"demo.Queens": unikerneltest.Sources["demo.Queens"], "Harness": benchHarness})
	ctx := context.Background()
	wall := map[string][]time.Duration{} // "<who>-<run>"
	cpu := map[string][]time.Duration{}
	rts := map[string]*unikernel.Runtime{}
	arts := map[string]unikernel.Artifact{}
	for _, d := range drivers {
		// one call more than measured and a new app per iteration: the instance stays up for
		// InspectTask after the last measured call, and each iteration starts on a fresh one
		rts[d.name], arts[d.name] = benchRuntime(b, d.drv, unikernel.Config{Spare: -1, MinWarm: -1, MaxCallsPerInstance: calls + 1,
			Limits: unikernel.Limits{WallTime: time.Minute}})
	}
	for i := 0; i < b.N; i++ {
		for _, d := range drivers {
			var exec, used [calls + 1]time.Duration
			var prev unikernel.TaskUsage
			for k := 1; k <= calls; k++ {
				res, err := rts[d.name].Invoke(ctx, unikernel.Call{Group: "nq" + strconv.Itoa(i), Artifact: arts[d.name], Class: "demo.Queens", Args: []any{13.0}})
				if err != nil || res.Output != "73712" {
					b.Fatalf("%s Queens(13) = %q, %v", d.name, res.Output, err)
				}
				u, err := d.drv.InspectTask(res.Instance)
				if err != nil {
					b.Fatal(err)
				}
				exec[k], used[k], prev = res.ExecTime, u.CPU-prev.CPU, u
			}
			for _, r := range nqueensRuns {
				wall[d.name+"-"+r.name] = append(wall[d.name+"-"+r.name], exec[r.call])
				cpu[d.name+"-"+r.name] = append(cpu[d.name+"-"+r.name], used[r.call])
			}
		}
		out, err := bare.java("-Xshare:auto", "-cp", classes, "Harness", "run", "13", strconv.Itoa(calls)).Output()
		f := strings.Fields(string(out))
		if err != nil || len(f) != 1+2*calls || f[0] != "73712" {
			b.Fatalf("plain Queens(13) = %q, %v", out, err)
		}
		for _, r := range nqueensRuns {
			ns, _ := strconv.ParseInt(f[2*r.call-1], 10, 64)
			cns, _ := strconv.ParseInt(f[2*r.call], 10, 64)
			wall["plain-"+r.name] = append(wall["plain-"+r.name], time.Duration(ns))
			cpu["plain-"+r.name] = append(cpu["plain-"+r.name], time.Duration(cns))
		}
	}
	for _, r := range nqueensRuns {
		g, p, plain := unikerneltest.Median(wall["gvisor-"+r.name]), unikerneltest.Median(wall["process-"+r.name]), unikerneltest.Median(wall["plain-"+r.name])
		b.ReportMetric(ms(g), r.name+"-gvisor-ms")
		b.ReportMetric(ms(p), r.name+"-process-ms")
		b.ReportMetric(ms(plain), r.name+"-plain-ms")
		b.ReportMetric(float64(plain)/float64(g), r.name+"-plain/gvisor")
		if r.name == "first" {
			continue // the instance's CPU then includes its JIT threads, the plain thread's does not
		}
		g, p, plain = unikerneltest.Median(cpu["gvisor-"+r.name]), unikerneltest.Median(cpu["process-"+r.name]), unikerneltest.Median(cpu["plain-"+r.name])
		b.ReportMetric(ms(g), r.name+"-gvisor-cpu-ms")
		b.ReportMetric(ms(p), r.name+"-process-cpu-ms")
		b.ReportMetric(ms(plain), r.name+"-plain-cpu-ms")
		b.ReportMetric(float64(plain)/float64(g), r.name+"-cpu-plain/gvisor")
		b.ReportMetric(float64(p)/float64(g), r.name+"-cpu-process/gvisor")
	}
	b.ReportMetric(0, "ns/op")
}

// workingSetMiB is a cgroup v1 memory leaf's usage without file cache: anonymous memory plus
// shmem, which is where gVisor keeps its guest's memory.
func workingSetMiB(b *testing.B, dir string) float64 {
	b.Helper()
	read := func(name string) int64 {
		bs, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(string(bs)), 10, 64)
		return n
	}
	usage := read("memory.usage_in_bytes")
	stat, err := os.ReadFile(filepath.Join(dir, "memory.stat"))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(stat), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && (k == "total_active_file" || k == "total_inactive_file") {
			n, _ := strconv.ParseInt(v, 10, 64)
			usage -= n
		}
	}
	return float64(usage) / (1 << 20)
}

// BenchmarkWarmMemory reports the working set (cgroup usage without file cache) of one warm
// instance of each driver after five NQueens(8) calls, and of a bare JVM doing the same in a
// cgroup of its own.
func BenchmarkWarmMemory(b *testing.B) {
	drivers := benchDrivers(b)
	classes := unikerneltest.HostClasses(b, map[string]string{"demo.Queens": unikerneltest.Sources["demo.Queens"], "Harness": benchHarness})
	ctx := context.Background()
	mem := map[string]float64{}
	for i := 0; i < b.N; i++ {
		for _, d := range drivers {
			rt, art := benchRuntime(b, d.drv, unikernel.Config{Spare: -1, MaxCallsPerInstance: 1 << 30})
			var res unikernel.Result
			var err error
			for j := 0; j < 5; j++ {
				if res, err = rt.Invoke(ctx, unikernel.Call{Group: "mem", Artifact: art, Class: "demo.Queens", Args: []any{8.0}}); err != nil {
					b.Fatal(err)
				}
			}
			mem[d.name] = workingSetMiB(b, filepath.Join(d.memDir, res.Instance))
			_ = rt.Close()
		}
		mem["bare"] = bareJVMWorkingSet(b, classes)
	}
	b.ReportMetric(mem["gvisor"], "gvisor-MiB")
	b.ReportMetric(mem["process"], "process-MiB")
	b.ReportMetric(mem["bare"], "bare-java-MiB")
	b.ReportMetric(mem["gvisor"]/mem["process"], "gvisor/process")
	b.ReportMetric(0, "ns/op")
}

// bareJVMWorkingSet runs the harness's five NQueens(8) in a plain JVM inside its own leaf and
// measures it while the JVM idles.
func bareJVMWorkingSet(b *testing.B, classes string) float64 {
	b.Helper()
	bare := newBareCgroup(b)
	cmd := bare.java("-Xshare:auto", "-XX:+UseSerialGC", "-Xmx153m", "-cp", classes, "Harness", "idle", "8", "5")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	buf := make([]byte, 64)
	if _, err := out.Read(buf); err != nil { // the harness prints once its calls are done
		b.Fatal(err)
	}
	return workingSetMiB(b, bare.dirs[0])
}
