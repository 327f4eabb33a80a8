package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
)

// exampleServer starts the fake mamoc server of the protocol tests; a real program dials its
// server instead, e.g. ws://192.168.1.10:8080/ws.
func exampleServer() (url string, stop func()) {
	f, err := startFake(io.Discard)
	if err != nil {
		panic(err)
	}
	return f.URL, f.Close
}

// Deploy a task's Java source once, then run it by name.
func Example() {
	url, stop := exampleServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c, err := client.Dial(ctx, url, client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = c.Close() }()

	d, err := c.Deploy(ctx, "package uk.ac.test;\npublic class Echo { public Echo(int N) {} public void run() {} }", "test.Echo")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("deployed", d.Task, "compiled:", d.Compiled, "params:", d.CtorParams)

	res, err := c.Run(ctx, d.Task, []any{13}, client.RunOptions{Timeout: 10 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("output:", res.Output, "exec:", res.ExecTime, "queued:", res.QueueTime)
	// Output:
	// deployed test.Echo compiled: true params: [{N int}]
	// output: int:13 exec: 250ms queued: 125ms
}

// Compile errors carry the compiler's diagnostics.
func ExampleClient_Deploy_compileError() {
	url, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	c, err := client.Dial(ctx, url, client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = c.Close() }()

	_, err = c.Deploy(ctx, "package p; class A { syntax error }", "")
	if e, ok := errors.AsType[*client.Error](err); ok && errors.Is(err, client.ErrCompile) {
		for _, d := range e.Diagnostics {
			fmt.Printf("%d:%d %s: %s\n", d.Line, d.Column, d.Kind, d.Message)
		}
	}
	// Output:
	// 3:7 error: ';' expected
}

// Upload only the resources the server lacks, then run a resource-dependent task on one.
func ExampleClient_SyncResources() {
	url, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	c, err := client.Dial(ctx, url, client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = c.Close() }()

	text := []byte("It was a dark and stormy night.")
	for range 2 {
		n, err := c.SyncResources(ctx, map[string][]byte{"small.txt": text})
		fmt.Println("uploaded", n, err)
	}
	res, err := c.Run(ctx, "test.Resource", nil, client.RunOptions{Resource: "small.txt", ResourceSHA256: client.SHA256(text)})
	fmt.Println(res.Output, err)
	// Output:
	// uploaded 1 <nil>
	// uploaded 0 <nil>
	// small.txt:31 <nil>
}

// Cancel a running task through ctx; the server kills it.
func ExampleClient_Run_cancel() {
	url, stop := exampleServer()
	defer stop()
	c, err := client.Dial(context.Background(), url, client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = c.Close() }()

	ctx, cancel := context.WithCancel(context.Background())
	_, err = c.Run(ctx, "test.Block", nil, client.RunOptions{Progress: func(p string) {
		fmt.Println("progress:", p)
		cancel()
	}})
	fmt.Println(errors.Is(err, client.ErrCanceled), errors.Is(err, context.Canceled))
	// Output:
	// progress: started
	// true true
}

// Follow the server's load.
func ExampleClient_SubscribeStats() {
	f, err := startFake(io.Discard)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	ctx := context.Background()
	c, err := client.Dial(ctx, f.URL, client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = c.Close() }()

	got := make(chan client.Stats, 1)
	stopStats, err := c.SubscribeStats(ctx, func(s client.Stats) { got <- s })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stopStats()
	if s, err := c.Stats(ctx); err == nil {
		fmt.Printf("server %s: %d cores, %.0f MHz total, %.1f%% busy\n", s.ServerID, s.Cores, s.CPUMHzTotal, s.CPUPercent)
	}
	// A mamoc server publishes every 5 s; the fake publishes once, now.
	if err := f.publishStats(0); err != nil {
		fmt.Println(err)
		return
	}
	s := <-got
	fmt.Println("queue length", s.QueueLength)
	// Output:
	// server fake-1: 4 cores, 9600 MHz total, 12.5% busy
	// queue length 0
}

// Run a task on whichever of several sites the decision engine picks; a site that fails hands
// its work to another.
func ExampleMulti() {
	urlA, stopA := exampleServer()
	defer stopA()
	urlB, stopB := exampleServer()
	defer stopB()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	m, err := client.NewMulti(client.MultiConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = m.Close() }()
	for name, url := range map[string]string{"a": urlA, "b": urlB} {
		if err := m.AddSite(ctx, client.SiteConfig{Name: name, URL: url}); err != nil {
			fmt.Println(err)
			return
		}
	}
	res, err := m.Run(ctx, client.Job{
		Source: "package test;\npublic class Echo { public Echo(int N) {} public void run() {} }",
		Params: []any{13},
		Split:  client.Split{Mode: client.SplitNone},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("output:", res.Output, "sites:", len(res.Shares), "failovers:", res.Failovers)
	// Output:
	// output: int:13 sites: 1 failovers: 0
}
