package client_test

import (
	"context"
	"testing"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
)

// BenchmarkMultisiteSmallTask measures what a multi-site client costs for a task too small to
// split: Multi.Run of a splittable range task with two sites against Client.Run of the same task on
// one site, interleaved in one run. It reports both in ms per run, their ratio and the chunks a
// Multi.Run used (1: the task stayed on one site).
func BenchmarkMultisiteSmallTask(b *testing.B) {
	a := startSite(b, "a", "", "", nil)
	bb := startSite(b, "b", "", "", nil)
	ctx := context.Background()
	m, err := client.NewMulti(client.MultiConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	for _, s := range []*testSite{a, bb} {
		if err := m.AddSite(ctx, s.config()); err != nil {
			b.Fatal(err)
		}
	}
	c, err := client.Dial(ctx, a.url(), client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	src := readFile(b, "testdata/Primes.java")
	d, err := c.Deploy(ctx, src, "")
	if err != nil {
		b.Fatal(err)
	}
	job := client.Job{Source: src, Split: client.Split{Mode: client.SplitRange, From: 0, To: 20000}}
	for range 10 { // deploy, warm both sites, learn the task's time
		if _, err := m.Run(ctx, job); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Run(ctx, d.Task, []any{0, 20000}, client.RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	var direct, multi time.Duration
	chunks := 0
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := c.Run(ctx, d.Task, []any{0, 20000}, client.RunOptions{}); err != nil {
			b.Fatal(err)
		}
		direct += time.Since(start)
		start = time.Now()
		res, err := m.Run(ctx, job)
		if err != nil || res.Output != "2262" {
			b.Fatalf("Run = %+v, %v", res, err)
		}
		multi += time.Since(start)
		chunks += res.Chunks
		if res.Chunks > 1 {
			b.Logf("split: %s %+v", res.Decision.Reason, res.Decision.Ranking)
		}
	}
	b.ReportMetric(float64(direct.Milliseconds())/float64(b.N), "direct-ms/op")
	b.ReportMetric(float64(multi.Milliseconds())/float64(b.N), "multisite-ms/op")
	b.ReportMetric(multi.Seconds()/direct.Seconds(), "multisite/direct")
	b.ReportMetric(float64(chunks)/float64(b.N), "chunks/op")
}
