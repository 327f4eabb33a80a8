package server_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// chromium runs Debian's chromium headless with a fresh profile and no background traffic,
// with the given extra arguments, and returns its standard output.
func chromium(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium missing: %v; run .ci/deps/ops.sh (from the repository root) to install it", err)
	}
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// TestAdminPageInChromium renders the admin page in a real headless Chromium after a task ran,
// and finds the node id and the task in the DOM. With MAMOC_ADMIN_SCREENSHOT=FILE.png it also
// saves a screenshot (that is how docs/admin.png is made).
func TestAdminPageInChromium(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := offloadServer(t, nil)
	edge := edgeClient(ctx, t, srv)
	if _, err := edge.Call(ctx, api.ProcTaskDeploy, nil, nil, wamp.Dict{"source": echoTask}, nil); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if _, err := edge.Call(ctx, api.ProcTaskRun, nil, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": wamp.List{"x", 1}}, nil); err != nil {
		t.Fatalf("run: %v", err)
	}
	url := "http://" + srv.Addr().String() + "/"
	dom := chromium(ctx, t, "--dump-dom", url)
	for _, want := range []string{
		`<span id="node-id">edge-test</span>`, // the node id
		"<td>uk.test.shell.Echo</td>",         // the task, in the executions and tasks tables
		"<svg",                                // the charts
		">done<",                              // the execution's status
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
	if shot := os.Getenv("MAMOC_ADMIN_SCREENSHOT"); shot != "" {
		chromium(ctx, t, "--screenshot="+shot, "--window-size=1280,1000", "--hide-scrollbars", url)
		t.Logf("screenshot written to %s", shot)
	}
}
