package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mamoc-go/mamoc/server/api"
)

// refactorJob is the part of the server's job JSON (GET /api/jobs/{id}) the CLI reads.
type refactorJob = api.Job

// runRefactor implements "mamoc refactor FILE.apk [--server HOST:PORT]": it uploads the APK
// to POST /api/apps, draws the job's progress on stderr and prints the summary on stdout.
func runRefactor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("refactor", "usage: mamoc refactor FILE.apk [--server HOST:PORT] [--authid ID --ticket T | --ticket-file F] [--timeout 10m]\n"+
		"Uploads need an admin or edge user; on the server, the first-run admin's ticket is in <data-dir>/admin.ticket.\n", stderr)
	var conn connFlags
	conn.register(fs)
	fs.StringVar(&conn.ticket, "token", conn.ticket, "same as --ticket (sent as a Bearer token without --authid)")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	poll := fs.Duration("poll", 250*time.Millisecond, "job polling interval")
	files, code, ok := parseWithFile(fs, args)
	if !ok {
		return code
	}
	if len(files) != 1 {
		fs.Usage()
		return 2
	}
	apk, err := os.ReadFile(files[0])
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc refactor: %v\n", err)
		return 1
	}
	c, err := conn.http()
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc refactor: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	id, err := upload(ctx, c, apk)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "mamoc refactor: upload: %v\n", err)
		return 1
	}
	bar := progressBar{w: stderr}
	var job refactorJob
	for {
		job = refactorJob{}
		err = c.get(ctx, "/api/jobs/"+id, &job)
		if err != nil {
			bar.done()
			_, _ = fmt.Fprintf(stderr, "mamoc refactor: job %s: %v\n", id, err)
			return 1
		}
		bar.draw(job.Progress, job.Stage)
		// A server before the done/report fix could read done a moment before its report:
		// poll on until the report is there.
		if job.State == api.JobDone && job.Report != nil || job.State == api.JobFailed {
			break
		}
		select {
		case <-ctx.Done():
			bar.done()
			_, _ = fmt.Fprintf(stderr, "mamoc refactor: job %s: %v\n", id, ctx.Err())
			return 1
		case <-time.After(*poll):
		}
	}
	bar.done()
	if job.State == api.JobFailed {
		_, _ = fmt.Fprintf(stderr, "mamoc refactor: job %s failed: %s\n", id, job.Error)
		return 1
	}
	printSummary(stdout, c.base, &job)
	return 0
}

func upload(ctx context.Context, c *httpClient, apk []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/apps", bytes.NewReader(apk))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/vnd.android.package-archive")
	var v api.Upload
	if err := c.do(req, &v); err != nil {
		return "", err
	}
	if v.Job == "" {
		return "", errors.New("server returned no job id")
	}
	return v.Job, nil
}

// progressBar redraws one line on w: [#####-----]  42% dex.
type progressBar struct {
	w     io.Writer
	drawn bool
}

func (b *progressBar) draw(p float64, stage string) {
	const width = 30
	p = min(max(p, 0), 1)
	n := int(p * width)
	_, _ = fmt.Fprintf(b.w, "\r[%s%s] %3.0f%% %-10s", strings.Repeat("#", n), strings.Repeat("-", width-n), p*100, stage)
	b.drawn = true
}

func (b *progressBar) done() {
	if b.drawn {
		_, _ = fmt.Fprintln(b.w)
		b.drawn = false
	}
}

func printSummary(w io.Writer, base string, j *refactorJob) {
	_, _ = fmt.Fprintf(w, "job %s: done\n", j.ID)
	r := j.Report
	if r == nil {
		_, _ = fmt.Fprintf(w, "report: %s/api/jobs/%s/report\n", base, j.ID)
		return
	}
	switch {
	case r.Manifest != nil:
		_, _ = fmt.Fprintf(w, "app: %s %s\n", r.Manifest.Package, r.Manifest.VersionName)
	case r.ManifestError != "":
		_, _ = fmt.Fprintf(w, "app: (no manifest: %s)\n", r.ManifestError)
	}
	k := r.Counts
	_, _ = fmt.Fprintf(w, "classes: %d (%d offloadable, %d in bundled libraries)\n", k.Classes, k.OffloadableClasses, k.LibraryClasses)
	_, _ = fmt.Fprintf(w, "methods: %d (%d offloadable, %d conditional, %d device-bound, %d unsafe)\n", k.Methods, k.OffloadableMethods,
		k.ConditionalMethods, k.DeviceMethods, k.UnsafeMethods)
	if len(r.Candidates) > 0 {
		_, _ = fmt.Fprintln(w, "top candidates (estimated compute weight):")
	}
	for i, c := range r.Candidates {
		if i == 5 {
			break
		}
		via := ""
		if c.Procedure != "" {
			via = " → " + c.Procedure
		}
		_, _ = fmt.Fprintf(w, "  %5.1f %s.%s (%s)%s\n", c.Score, c.Class, c.Method, strings.Join(c.Reasons, ", "), via)
	}
	_, _ = fmt.Fprintf(w, "procedures: %d listed, %d registered\n", k.Procedures, k.Registered)
	for _, p := range r.Procedures {
		_, _ = fmt.Fprintf(w, "  %s(%s) %s [%s]\n", p.Name, strings.Join(p.Params, ", "), p.Returns, p.Kind)
	}
	var total float64
	for _, s := range r.Stages {
		total += s.Seconds
	}
	_, _ = fmt.Fprintf(w, "time: %s\n", HumanDuration(time.Duration(total*float64(time.Second))))
	_, _ = fmt.Fprintf(w, "report: %s/api/jobs/%s/report\n", base, j.ID)
}
