package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
)

// TestSDKAgainstServer drives the real server with the phone-side Go SDK: deploy, sync a
// resource by hash, run, progress, typed errors and cancel.
func TestSDKAgainstServer(t *testing.T) {
	srv := offloadServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, wsURL(srv), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()

	kmp := readExample(t, "kmp/KMP.java")
	d, err := c.Deploy(ctx, kmp, "")
	if err != nil {
		t.Fatalf("Deploy KMP: %v", err)
	}
	text, err := os.ReadFile(smallTxt)
	if err != nil {
		t.Fatal(err)
	}
	// Content the server has not seen (small.txt itself is a server resource already).
	text = append(text, []byte(" the end, the.")...)
	for i, want := range []int{1, 0} { // the second sync uploads nothing
		n, err := c.SyncResources(ctx, map[string][]byte{"mine.txt": text})
		if err != nil || n != want {
			t.Fatalf("SyncResources #%d = %d, %v; want %d uploaded", i, n, err, want)
		}
	}
	res, err := c.Run(ctx, d.Task, []any{"the"}, client.RunOptions{ResourceSHA256: client.SHA256(text)})
	if err != nil || res.Output != "6284" {
		t.Fatalf("Run KMP by hash = %+v, %v; want 6284", res, err)
	}
	if res.ExecTime <= 0 || res.ExecutionID == "" || res.Site != "edge-test" {
		t.Errorf("Run KMP metadata = %+v, want exec time, execution id and site edge-test", res)
	}

	progress := hostileTask("Steps", "for (int i = 1; i <= 3; i++) mamoc.Progress.report(\"step \" + i); return \"done\";")
	pd, err := c.Deploy(ctx, progress, "")
	if err != nil {
		t.Fatalf("Deploy Steps: %v", err)
	}
	var steps []string
	res, err = c.Run(ctx, pd.Task, nil, client.RunOptions{Progress: func(m string) { steps = append(steps, m) }})
	if err != nil || res.Output != "done" {
		t.Fatalf("Run Steps = %+v, %v", res, err)
	}
	if strings.Join(steps, ",") != "step 1,step 2,step 3" {
		t.Errorf("progress = %q, want step 1..3", steps)
	}

	if _, err := c.Deploy(ctx, strings.Replace(kmp, "return", "retrun", 1), ""); !errors.Is(err, client.ErrCompile) {
		t.Errorf("Deploy broken source error = %v, want ErrCompile", err)
	}
	if _, err := c.Run(ctx, "no.such.Task", nil, client.RunOptions{}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Run unknown task error = %v, want ErrNotFound", err)
	}

	slow, err := c.Deploy(ctx, hostileTask("Slow", "Thread.sleep(20000); return \"late\";"), "")
	if err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	start := time.Now()
	_, err = c.Run(cctx, slow.Task, nil, client.RunOptions{})
	ccancel()
	if !errors.Is(err, client.ErrCanceled) || time.Since(start) > 10*time.Second {
		t.Errorf("cancelled Run = %v after %s, want ErrCanceled soon", err, time.Since(start))
	}
	if _, err := c.Run(ctx, slow.Task, nil, client.RunOptions{Timeout: time.Second}); !errors.Is(err, client.ErrTimeout) {
		t.Errorf("Run past its timeout = %v, want ErrTimeout", err)
	}
	// The server keeps serving after the cancel and the timeout.
	if res, err := c.Run(ctx, d.Task, []any{"lighthouse keeper"}, client.RunOptions{ResourceSHA256: client.SHA256(text)}); err != nil || res.Output != "85" {
		t.Errorf("Run after cancel = %+v, %v; want 85", res, err)
	}
}

// TestDeviceBoundRefused: a task that uses a device-bound Android API is refused before
// compiling, with the reason, over the API and as MAMoC's result text.
func TestDeviceBoundRefused(t *testing.T) {
	srv := offloadServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, wsURL(srv), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	src := strings.Replace(hostileTask("Vibes", "return \"\" + android.os.Vibrator.class;"), "package uk.test.hostile;", "package uk.test.hostile;\n\nimport android.hardware.SensorManager;", 1)
	_, err = c.Deploy(ctx, src, "")
	var ce *client.Error
	if !errors.Is(err, client.ErrNotOffloadable) || !errors.As(err, &ce) || !strings.Contains(fmt.Sprint(ce.Kwargs["reasons"]), "android.hardware") {
		t.Errorf("Deploy device-bound source = %v, want ErrNotOffloadable naming android.hardware", err)
	}
	phone := dialPhone(t, wsURL(srv))
	phone.subscribe("uk.ac.standrews.cs.mamoc.offloadingresult")
	phone.publish("uk.ac.standrews.cs.mamoc.offloading", "Android", "uk.test.hostile.Vibes", src, nil, []any{})
	if out, _ := phone.result(time.Minute); !strings.Contains(out, "mamoc.error.not_offloadable") {
		t.Errorf("MAMoC result for device-bound source = %q, want mamoc.error.not_offloadable", out)
	}
}
