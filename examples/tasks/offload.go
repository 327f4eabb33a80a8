package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
)

// Remote describes one offloaded run of an example task.
type Remote struct {
	// Server is the router's WebSocket URL, e.g. ws://127.0.0.1:8080/ws.
	Server string
	// AuthID and Ticket authenticate; empty means anonymous.
	AuthID, Ticket string
	// Source is the task's Java source in jadx shape.
	Source string
	// ResourceName and Resource are the resource a resource-dependent task reads; empty for none.
	ResourceName string
	Resource     []byte
	// Params are the constructor's arguments after the resource.
	Params []any
	// Timeout bounds the task's execution on the server; 0 means the server's default.
	Timeout time.Duration
	// Result formats the task's output for the result line; nil prints "output: …".
	Result func(output string) string
}

// Offload deploys r.Source, syncs r's resource and runs the task on the server, writing what
// happened to w: the deployment, the output, the server's execution and queue time and the
// round trip measured here.
func Offload(ctx context.Context, w io.Writer, r Remote) (err error) {
	url := r.Server
	if !strings.HasPrefix(url, "tcp") { // host:port and http:// are written for people
		if _, url, err = client.ServerURLs(r.Server); err != nil {
			return err
		}
	}
	c, err := client.Dial(ctx, url, client.Options{AuthID: r.AuthID, Ticket: r.Ticket})
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	start := time.Now()
	d, err := c.Deploy(ctx, r.Source, "")
	if err != nil {
		if e, ok := errors.AsType[*client.Error](err); ok {
			for _, dg := range e.Diagnostics {
				_, _ = fmt.Fprintf(w, "%d:%d: %s: %s\n", dg.Line, dg.Column, dg.Kind, dg.Message)
			}
		}
		return err
	}
	_, _ = fmt.Fprintf(w, "deployed %s (compiled %v) in %v\n", d.Task, d.Compiled, time.Since(start).Round(time.Microsecond))
	ro := client.RunOptions{Timeout: r.Timeout, Progress: func(p string) { _, _ = fmt.Fprintln(w, "progress:", p) }}
	if r.ResourceName != "" {
		n, err := c.SyncResources(ctx, map[string][]byte{r.ResourceName: r.Resource})
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(w, "resource %s: %d bytes, uploaded %v\n", r.ResourceName, len(r.Resource), n > 0)
		ro.Resource, ro.ResourceSHA256 = r.ResourceName, client.SHA256(r.Resource)
	}
	res, err := c.Run(ctx, d.Task, r.Params, ro)
	if err != nil {
		return err
	}
	line := "output: " + res.Output
	if r.Result != nil {
		line = r.Result(res.Output)
	}
	_, _ = fmt.Fprintf(w, "%s\nexec %v, queue %v, round trip %v (site %s, instance %s)\n", line,
		res.ExecTime.Round(time.Microsecond), res.QueueTime.Round(time.Microsecond),
		res.RoundTrip.Round(time.Microsecond), res.Site, res.Instance)
	return nil
}

// ReadTestdata reads examples/testdata/name from the current directory, its examples/ or
// testdata/ subdirectory, or the source tree this package was built from.
func ReadTestdata(name string) ([]byte, error) {
	dirs := []string{"examples/testdata", "testdata", "../testdata"}
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append(dirs, filepath.Join(filepath.Dir(file), "..", "testdata"))
	}
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join(d, name)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("read %s: not found in %v: %w", name, dirs, os.ErrNotExist)
}
