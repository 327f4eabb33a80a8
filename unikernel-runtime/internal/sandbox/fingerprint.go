package sandbox

import (
	"context"
	"os/exec"
	"strings"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Fingerprints sends probe's fingerprint now and then every interval until ctx ends, when it
// closes the channel; the goroutine it starts ends with ctx.
func Fingerprints(ctx context.Context, interval time.Duration, probe func(context.Context) unikernel.Fingerprint) <-chan unikernel.Fingerprint {
	ch := make(chan unikernel.Fingerprint, 1)
	ch <- probe(ctx)
	go func() {
		defer close(ch)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fp := probe(ctx)
				select {
				case ch <- fp:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch
}

// Binary looks bin up on PATH and records it in fp.Attributes[attr] and its `--version` (the
// first line, after prefix) in fp.Attributes[attr+".version"]. It returns the path, or "" with
// fp marked undetected and described by missing when bin is absent.
func Binary(ctx context.Context, fp *unikernel.Fingerprint, bin, attr, prefix, missing string) string {
	path, err := exec.LookPath(bin)
	if err != nil {
		fp.Health = unikernel.HealthUndetected
		fp.Description = missing
		return ""
	}
	fp.Attributes[attr] = path
	if out, err := exec.CommandContext(ctx, path, "--version").Output(); err == nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		fp.Attributes[attr+".version"] = strings.TrimPrefix(line, prefix)
	}
	return path
}

// ProbeCgroups records in fp which cgroup v1 controllers under root instances get a leaf in.
func ProbeCgroups(fp *unikernel.Fingerprint, root string) {
	for _, c := range Controllers {
		if ControllerOK(root, c) {
			fp.Attributes["cgroup."+c] = "v1"
		} else {
			fp.Missing = append(fp.Missing, "cgroup."+c)
		}
	}
}
