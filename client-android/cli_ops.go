package client

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// newConnFlagSet is a flag set with the connection flags, and a usage line.
func newConnFlagSet(name, usage string, stderr io.Writer) (*flag.FlagSet, *connFlags) {
	fs := newFlagSet(name, usage+"\n", stderr)
	var conn connFlags
	conn.register(fs)
	return fs, &conn
}

func parseOnly(fs *flag.FlagSet, args []string) (int, bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2, false
	}
	return 0, true
}

// runTasks implements "mamoc tasks": the tasks the server knows, one a line.
func runTasks(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, conn := newConnFlagSet("tasks", "usage: mamoc tasks [--server HOST:PORT] [--authid ID --ticket T]", stderr)
	if code, ok := parseOnly(fs, args); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := conn.dial(ctx)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc tasks: %v\n", err)
		return 1
	}
	defer func() { _ = c.Close() }()
	tasks, err := c.Tasks(ctx)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc tasks: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "TASK\tKIND\tPARAMETERS\tRESOURCE")
	for _, t := range tasks {
		ps := make([]string, len(t.CtorParams))
		for i, p := range t.CtorParams {
			ps[i] = strings.TrimSpace(p.Type + " " + p.Name)
		}
		res := "-"
		if t.ResourceDependent {
			res = "needs one"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Task, t.Kind, strings.Join(ps, ", "), res)
	}
	_ = tw.Flush()
	_, _ = fmt.Fprintf(stdout, "%d tasks\n", len(tasks))
	return 0
}

// runStats implements "mamoc stats": the server's live stats, a line per sample until
// interrupted (or one with --once).
func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, conn := newConnFlagSet("stats", "usage: mamoc stats [--server HOST:PORT] [--once] [--for 1m]", stderr)
	once := fs.Bool("once", false, "print one sample and exit")
	dur := fs.Duration("for", 0, "stop after this long (default: until interrupted)")
	if code, ok := parseOnly(fs, args); !ok {
		return code
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	c, err := conn.dial(dctx)
	cancel()
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc stats: %v\n", err)
		return 1
	}
	defer func() { _ = c.Close() }()
	// Fixed widths: live lines must line up without knowing the lines to come.
	const row = "%-8s  %-16s  %5s  %6s  %9s  %5s  %7s  %4s  %8s\n"
	_, _ = fmt.Fprintf(stdout, row, "TIME", "SERVER", "CPU", "LOAD", "MEM FREE", "QUEUE", "RUNNING", "WARM", "UPTIME")
	var last time.Duration = -1
	line := func(s Stats) {
		if s.Uptime == last { // the same sample twice (the retained event after the first ask)
			return
		}
		last = s.Uptime
		_, _ = fmt.Fprintf(stdout, row, time.Now().Format("15:04:05"), truncate(s.ServerID, 16), Human(s.CPUPercent)+"%",
			Human(s.Load1), HumanBytes(s.MemFreeMB*1e6), fmt.Sprint(s.QueueLength), fmt.Sprint(s.RunningInstances),
			fmt.Sprint(s.WarmInstances), HumanDuration(s.Uptime.Round(time.Second)))
	}
	st, err := c.Stats(ctx)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc stats: %v\n", err)
		return 1
	}
	line(st)
	if *once {
		return 0
	}
	samples := make(chan Stats, 8)
	stop, err := c.SubscribeStats(ctx, func(s Stats) {
		select {
		case samples <- s:
		default: // the terminal is slow; the next sample will do
		}
	})
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc stats: %v\n", err)
		return 1
	}
	defer stop()
	var until <-chan time.Time
	if *dur > 0 {
		until = time.After(*dur)
	}
	for {
		select {
		case s := <-samples:
			line(s)
		case <-until:
			return 0
		case <-ctx.Done():
			return 0
		case <-c.Done():
			_, _ = fmt.Fprintln(stderr, "mamoc stats: connection lost")
			return 1
		}
	}
}

// jobRow is one job of GET /api/jobs.
type jobRow struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	Stage     string    `json:"stage"`
	Progress  float64   `json:"progress"`
	Error     string    `json:"error"`
	CreatedAt time.Time `json:"created_at"`
}

// runJobs implements "mamoc jobs": the server's APK jobs, newest first.
func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, conn := newConnFlagSet("jobs", "usage: mamoc jobs [--server HOST:PORT] [--authid ID --ticket T | --ticket-file F]", stderr)
	if code, ok := parseOnly(fs, args); !ok {
		return code
	}
	c, err := conn.http()
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc jobs: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var v struct {
		Jobs []jobRow `json:"jobs"`
	}
	if err := c.get(ctx, "/api/jobs", &v); err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc jobs: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "JOB\tSTATE\tSTAGE\tPROGRESS\tCREATED\tREPORT")
	for _, j := range v.Jobs {
		state := j.State
		if j.Error != "" {
			state += ": " + truncate(j.Error, 60)
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s%%\t%s\t%s/api/jobs/%s/report\n", j.ID, state, j.Stage, Human(100*j.Progress),
			ago(time.Since(j.CreatedAt)), c.base, j.ID)
	}
	_ = tw.Flush()
	_, _ = fmt.Fprintf(stdout, "%d jobs\n", len(v.Jobs))
	return 0
}

// ago is how long ago, in whole seconds or coarser: "just now", "42s ago", "3m12s ago".
func ago(d time.Duration) string {
	if d < time.Second {
		return "just now"
	}
	return HumanDuration(d.Round(time.Second)) + " ago"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
