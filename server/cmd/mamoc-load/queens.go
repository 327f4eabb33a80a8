package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/transform"
)

const queensFQCN = "uk.ac.standrews.cs.mamoc_demo.NQueens.Queens"

// queens is the NQueens line: the median of each way.
type queens struct {
	n                    int
	mamoc, jvm, mamocWay time.Duration
}

// measureQueens times a warm NQueens task through mamoc, the same code in a warmed plain JVM,
// and MAMoC's way (a fresh java process per call).
func measureQueens(ctx context.Context, phone *nxclient.Client, o options) (*queens, error) {
	src, err := os.ReadFile(o.queensSrc)
	if err != nil {
		return nil, err
	}
	if _, err := offload(ctx, phone, queensFQCN, string(src), o.queensN); err != nil {
		return nil, err
	}
	q := &queens{n: o.queensN}
	var lat []time.Duration
	for i := range o.queensReps + 2 {
		t0 := time.Now()
		if _, err := phone.Call(ctx, queensFQCN, nil, wamp.List{nil, wamp.List{o.queensN}}, nil, nil); err != nil {
			return nil, err
		}
		if i >= 2 {
			lat = append(lat, time.Since(t0))
		}
	}
	q.mamoc = median(lat)

	dir, err := os.MkdirTemp("", "mamoc-load-jvm-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	tt, err := transform.Transform(string(src), transform.Options{})
	if err != nil {
		return nil, err
	}
	plain := strings.Replace(tt.Source, "package uk.ac.standrews.cs.mamoc_demo.NQueens;", "", 1)
	// Warm runs the task as often as mamoc's warm calls do (2 + reps), timing the last reps.
	warm := `public class Warm {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        for (int i = 0; i < reps + 2; i++) {
            long t0 = System.nanoTime();
            new Queens(n).run();
            if (i >= 2) System.out.println(System.nanoTime() - t0);
        }
    }
}
`
	main := `public class QueensMain { public static void main(String[] a) { new Queens(Integer.parseInt(a[0])).run(); } }`
	for name, s := range map[string]string{"Queens.java": plain, "Warm.java": warm, "QueensMain.java": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			return nil, err
		}
	}
	if out, err := exec.CommandContext(ctx, "javac", "-nowarn", "-d", dir, filepath.Join(dir, "Queens.java"),
		filepath.Join(dir, "Warm.java"), filepath.Join(dir, "QueensMain.java")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("javac: %w: %s", err, out)
	}
	out, err := exec.CommandContext(ctx, "java", "-cp", dir, "Warm", strconv.Itoa(o.queensN), strconv.Itoa(o.queensReps)).Output()
	if err != nil {
		return nil, fmt.Errorf("java Warm: %w", err)
	}
	lat = lat[:0]
	for _, f := range strings.Fields(string(out)) {
		ns, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("java Warm printed %q", f)
		}
		lat = append(lat, time.Duration(ns))
	}
	q.jvm = median(lat)

	lat = lat[:0]
	cmd := "cd " + dir + " && java QueensMain " + strconv.Itoa(o.queensN) // as MAMoC's server does: a shell, a new JVM
	for range o.queensReps {
		t0 := time.Now()
		if out, err := exec.CommandContext(ctx, "sh", "-c", cmd).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %w: %s", cmd, err, out)
		}
		lat = append(lat, time.Since(t0))
	}
	q.mamocWay = median(lat)
	return q, nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
