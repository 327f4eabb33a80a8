package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/transform"
)

const trivialTask = `package bench.PKG;

public class Trivial {
    private final int n;

    public Trivial(int n) {
        this.n = n;
    }

    public int run() {
        return n + 1;
    }
}
`

// BenchmarkOffload compares mamoc's first (compiling) and warm calls with MAMoC's way of
// running a task — javac once, then a new java process per call through a shell — measured
// in the same run, for a trivial task and NQueens(13). Each sub-benchmark reports p50/p99 ms.
func BenchmarkOffload(b *testing.B) {
	data := b.TempDir()
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", RawSocketListen: "off", DataDir: data,
		StatsInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-srv.Ready()
	cl, err := nxclient.ConnectNet(ctx, "ws://"+srv.Addr().String()+"/ws",
		nxclient.Config{Realm: "mamoc_realm", Serialization: serialize.CBOR, Logger: nopLog{}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cl.Close() }()
	queens, err := os.ReadFile(filepath.Join("..", "examples", "nqueens", "Queens.java"))
	if err != nil {
		b.Fatal(err)
	}
	deploy := func(src string) string {
		res, err := cl.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": src}, nil)
		if err != nil {
			b.Fatal(err)
		}
		return res.ArgumentsKw["task"].(string)
	}
	run := func(task string, params ...any) {
		if _, err := cl.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": task, "params": params}, nil); err != nil {
			b.Fatal(err)
		}
	}
	mamocDir := mamocWayDir(b, string(queens))
	seq := 0
	cases := []struct {
		name string
		op   func()
	}{
		{"mamoc/first_call/trivial", func() {
			seq++
			run(deploy(strings.ReplaceAll(trivialTask, "PKG", fmt.Sprintf("p%d_%d", time.Now().UnixNano(), seq))), 41)
		}},
		{"mamoc/warm/trivial", nil},
		{"mamoc/warm/nqueens13", nil},
		{"mamoc_way/first_call/trivial", func() { mamocWay(b, mamocDir, true, "Trivial", "41") }},
		{"mamoc_way/warm/trivial", func() { mamocWay(b, mamocDir, false, "Trivial", "41") }},
		{"mamoc_way/warm/nqueens13", func() { mamocWay(b, mamocDir, false, "QueensMain", "13") }},
	}
	trivial := deploy(strings.ReplaceAll(trivialTask, "PKG", "warm"))
	nq := deploy(string(queens))
	run(trivial, 41)
	run(nq, 13)
	cases[1].op = func() { run(trivial, 41) }
	cases[2].op = func() { run(nq, 13) }
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				tc.op()
				lat = append(lat, time.Since(t0))
			}
			reportPercentilesMS(b, lat)
		})
	}
}

// mamocWayDir prepares MAMoC's java_classes folder: the trivial task and NQueens with the
// main() MAMoC's transformer inserts.
func mamocWayDir(b *testing.B, queens string) string {
	dir := b.TempDir()
	triv := `public class Trivial {
    private final int n;
    public Trivial(int n) { this.n = n; }
    public int run() { return n + 1; }
    public static void main(String[] args) { System.out.print(new Trivial(Integer.parseInt(args[0])).run()); }
}
`
	tt, err := transform.Transform(queens, transform.Options{})
	if err != nil {
		b.Fatal(err)
	}
	qsrc := strings.Replace(tt.Source, "package uk.ac.standrews.cs.mamoc_demo.NQueens;", "", 1)
	main := `public class QueensMain { public static void main(String[] a) { new Queens(Integer.parseInt(a[0])).run(); } }`
	for name, src := range map[string]string{"Trivial.java": triv, "Queens.java": qsrc, "QueensMain.java": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if out, err := exec.Command("javac", "-nowarn", "-d", dir, filepath.Join(dir, "Queens.java"), filepath.Join(dir, "QueensMain.java"), filepath.Join(dir, "Trivial.java")).CombinedOutput(); err != nil {
		b.Fatalf("javac: %v %s", err, out)
	}
	return dir
}

// mamocWay runs a task as MAMoC's server does: through a shell, `javac` first when compiling,
// then a new `java` process.
func mamocWay(b *testing.B, dir string, compile bool, class, arg string) {
	cmd := "cd " + dir + " && java " + class + " " + arg
	if compile {
		cmd = "cd " + dir + " && javac " + class + ".java && java " + class + " " + arg
	}
	if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v %s", cmd, err, out)
	}
}

func reportPercentilesMS(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sortDurations(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
}
