package process_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/process"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

func ping(rw io.ReadWriter) error {
	if _, err := rw.Write([]byte{0, 0, 0, 5, 1, 0, 0, 0, 1}); err != nil { // ping, id 1
		return err
	}
	var hdr [4]byte
	if _, err := io.ReadFull(rw, hdr[:]); err != nil {
		return err
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(rw, body)
	return err
}

// BenchmarkColdStart measures spawn → first agent reply of a sandboxed instance beside a bare
// `java -Xshare:auto -cp … Hello` in the same run; ratio = sandbox / bare (goal ≤ 1.3).
func BenchmarkColdStart(b *testing.B) {
	im := unikerneltest.TestImage(b)
	d, err := process.New(process.Config{Logger: unikerneltest.Logger(b)})
	if err != nil {
		b.Fatal(err)
	}
	classes := unikerneltest.HostClasses(b, map[string]string{"Hello": `public class Hello { public static void main(String[] a) { System.out.println("hello"); } }`})
	ctx := context.Background()
	var cold, bare []time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		out, err := exec.Command("java", "-Xshare:auto", "-cp", classes, "Hello").Output()
		if err != nil || strings.TrimSpace(string(out)) != "hello" {
			b.Fatalf("bare java = %q, %v", out, err)
		}
		bare = append(bare, time.Since(t0))

		t0 = time.Now()
		id := "bench-" + strconv.Itoa(i)
		h, err := d.StartTask(ctx, unikernel.TaskConfig{ID: id, RootFS: im.RootFS, Argv: im.AgentArgv(256), MemoryMB: 256, PidsMax: 192, TmpMB: 16})
		if err != nil {
			b.Fatal(err)
		}
		if err := ping(h.Conn); err != nil {
			b.Fatal(err)
		}
		cold = append(cold, time.Since(t0))
		_ = d.StopTask(ctx, id)
		_ = h.Conn.Close()
	}
	b.ReportMetric(float64(unikerneltest.Median(cold).Microseconds())/1000, "sandbox-ms")
	b.ReportMetric(float64(unikerneltest.Median(bare).Microseconds())/1000, "bare-java-ms")
	b.ReportMetric(float64(unikerneltest.Median(cold))/float64(unikerneltest.Median(bare)), "ratio")
	b.ReportMetric(0, "ns/op")
}

func benchRuntime(b *testing.B, cfg unikernel.Config) (*unikernel.Runtime, unikernel.Artifact) {
	d, err := process.New(process.Config{})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Logger = nil
	rt, err := unikernel.NewWithDriver(cfg, d, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Close() })
	art, err := rt.Compile(context.Background(), "bench", unikerneltest.Sources)
	if err != nil {
		b.Fatal(err)
	}
	return rt, art
}

// BenchmarkWarmInvoke measures a no-op static call on a warm instance (goal p50 ≤ 1 ms).
func BenchmarkWarmInvoke(b *testing.B) {
	rt, art := benchRuntime(b, unikernel.Config{Spare: -1, MaxCallsPerInstance: 1 << 30})
	ctx := context.Background()
	call := unikernel.Call{Group: "bench", Artifact: art, Class: "demo.Echo", Method: "nothing"}
	for i := 0; i < 200; i++ { // warm the JIT and the class loader
		if _, err := rt.Invoke(ctx, call); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := rt.Invoke(ctx, call); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

const queensHarness = `public class QueensBench {
    public static void main(String[] a) {
        long t0 = System.nanoTime();
        int r = new demo.Queens(Integer.parseInt(a[0])).run();
        System.out.println(r + " " + (System.nanoTime() - t0));
    }
}`

// BenchmarkNQueens runs NQueens(13) in a fresh sandboxed instance and in a fresh plain JVM,
// each timed inside its JVM; ratio = plain / sandbox (goal ≥ 0.95).
func BenchmarkNQueens(b *testing.B) {
	rt, art := benchRuntime(b, unikernel.Config{Spare: -1, MaxCallsPerInstance: 1, Limits: unikernel.Limits{WallTime: time.Minute}})
	src := map[string]string{"demo.Queens": unikerneltest.Sources["demo.Queens"], "QueensBench": queensHarness}
	classes := unikerneltest.HostClasses(b, src)
	ctx := context.Background()
	var sandbox, plain []time.Duration
	for i := 0; i < b.N; i++ {
		res, err := rt.Invoke(ctx, unikernel.Call{Group: "bench", Artifact: art, Class: "demo.Queens", Args: []any{13.0}})
		if err != nil || res.Output != "73712" {
			b.Fatalf("sandbox Queens(13) = %q, %v", res.Output, err)
		}
		sandbox = append(sandbox, res.ExecTime)
		out, err := exec.Command("java", "-Xshare:auto", "-cp", classes, "QueensBench", "13").Output()
		f := strings.Fields(string(out))
		if err != nil || len(f) != 2 || f[0] != "73712" {
			b.Fatalf("plain Queens(13) = %q, %v", out, err)
		}
		ns, _ := strconv.ParseInt(f[1], 10, 64)
		plain = append(plain, time.Duration(ns))
	}
	b.ReportMetric(float64(unikerneltest.Median(sandbox).Microseconds())/1000, "sandbox-ms")
	b.ReportMetric(float64(unikerneltest.Median(plain).Microseconds())/1000, "plain-ms")
	b.ReportMetric(float64(unikerneltest.Median(plain))/float64(unikerneltest.Median(sandbox)), "ratio")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkWarmMemory reports the memory (cgroup usage, which includes page cache) and RSS of
// one warm instance after a few calls.
func BenchmarkWarmMemory(b *testing.B) {
	d, err := process.New(process.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rt, err := unikernel.NewWithDriver(unikernel.Config{Spare: -1}, d, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = rt.Close() }()
	art := unikerneltest.Sources
	ctx := context.Background()
	a, err := unikernel.ArtifactFromJar(mustJar(ctx, b, rt, art))
	if err != nil {
		b.Fatal(err)
	}
	var cg, rss float64
	for i := 0; i < b.N; i++ {
		var res unikernel.Result
		for j := 0; j < 5; j++ {
			res, err = rt.Invoke(ctx, unikernel.Call{Group: "mem", Artifact: a, Class: "demo.Queens", Args: []any{8.0}})
			if err != nil {
				b.Fatal(err)
			}
		}
		u, err := d.InspectTask(res.Instance)
		if err != nil {
			b.Fatal(err)
		}
		cg = float64(u.MemoryBytes) / (1 << 20)
		rss = rssOf(b, d, res.Instance)
	}
	b.ReportMetric(cg, "cgroup-MiB")
	b.ReportMetric(rss, "rss-MiB")
	b.ReportMetric(0, "ns/op")
}

func mustJar(ctx context.Context, b *testing.B, rt *unikernel.Runtime, src map[string]string) []byte {
	art, err := rt.Compile(ctx, "mem-compile", src)
	if err != nil {
		b.Fatal(err)
	}
	jar, err := art.Jar()
	if err != nil {
		b.Fatal(err)
	}
	return jar
}

func rssOf(_ *testing.B, d *process.Driver, id string) float64 {
	pid := d.Pid(id)
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
