package gvisor_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/gvisor"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// requireRunsc skips the test where the driver cannot run sandboxes: no runsc
// (.ci/deps/gvisor.sh installs it), not root, or runsc cannot boot one here.
func requireRunsc(t *testing.T, d *gvisor.Driver) {
	t.Helper()
	if why := d.Unusable(context.Background()); why != "" {
		t.Skipf("gvisor cannot run here: %s", why)
	}
}

func newDriver(t *testing.T) unikernel.Driver {
	d, err := gvisor.New(gvisor.Config{Logger: unikerneltest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	requireRunsc(t, d)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestConformance(t *testing.T) {
	unikerneltest.RunDriverTests(t, newDriver)
}

func TestHostile(t *testing.T) {
	unikerneltest.RunHostileTests(t, newDriver)
}

func TestFingerprintWithoutRunsc(t *testing.T) {
	d, err := gvisor.New(gvisor.Config{Runsc: "/nonexistent/runsc"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fps, err := d.Fingerprint(ctx)
	if err != nil {
		t.Fatalf("Fingerprint() error = %v, want none (a missing runsc is undetected, not an error)", err)
	}
	fp := <-fps
	if fp.Health != unikernel.HealthUndetected || !strings.Contains(fp.Description, "apt-get install runsc") {
		t.Errorf("Fingerprint() = %+v, want undetected with how to install runsc", fp)
	}
	cancel()
	if _, open := <-fps; open { // the refresher stops with ctx and closes the channel
		t.Errorf("Fingerprint channel still open after cancel")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg     gvisor.Config
		wantErr bool
	}{
		{gvisor.Config{}, false},
		{gvisor.Config{Platform: "ptrace"}, false},
		{gvisor.Config{Platform: "kvm"}, false},
		{gvisor.Config{Platform: "systrap"}, false},
		{gvisor.Config{Platform: "hvf"}, true},
		{gvisor.Config{GuestUID: -1}, true},
		{gvisor.Config{ProbeTimeout: -time.Second}, true},
	}
	for _, tc := range tests {
		if _, err := gvisor.New(tc.cfg); (err != nil) != tc.wantErr {
			t.Errorf("New(%+v) error = %v, want error %v", tc.cfg, err, tc.wantErr)
		}
	}
}

// TestSweepsLeftovers leaves a dead sandbox's bundle and cgroup leaf behind, as a server killed
// outright would, and checks the next driver's first start removes them.
func TestSweepsLeftovers(t *testing.T) {
	state, parent := t.TempDir(), "mamoc-gvisor-test-"+strconv.Itoa(os.Getpid())
	d, err := gvisor.New(gvisor.Config{StateDir: state, CgroupParent: parent, Logger: unikerneltest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	requireRunsc(t, d)
	t.Cleanup(func() {
		_ = d.Close()
		// runsc releases from 2023 on bind-mount an empty network namespace into their root
		_ = syscall.Unmount(filepath.Join(state, "runsc", "null-netns"), syscall.MNT_DETACH)
	})
	dead := filepath.Join(state, "bundles", "uk-dead")
	leaf := filepath.Join("/sys/fs/cgroup/memory", parent, "uk-dead")
	t.Cleanup(func() {
		_ = os.Remove(leaf)
		ctrls, _ := os.ReadDir("/sys/fs/cgroup")
		for _, c := range ctrls {
			_ = os.Remove(filepath.Join("/sys/fs/cgroup", c.Name(), parent))
		}
	})
	for _, dir := range []string{dead, leaf} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(dead, old, old); err != nil {
		t.Fatal(err)
	}
	im := unikerneltest.TestImage(t)
	ctx := context.Background()
	h, err := d.StartTask(ctx, unikernel.TaskConfig{ID: "uk-live", RootFS: im.RootFS, Argv: im.AgentArgvAt(128, unikernel.AgentEndpoints{}), MemoryMB: 128, PidsMax: 64})
	if err != nil {
		t.Fatal(err)
	}
	_ = d.StopTask(ctx, h.ID)
	_ = h.Conn.Close()
	for _, dir := range []string{dead, leaf} {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%s still there after the first StartTask, want it swept", dir)
		}
	}
}

// TestFingerprintNamesPlatform checks that the fingerprint names the platform the sandboxes use
// and, when KVM is out, whether systrap was tried: an operator sees what is missing and why.
func TestFingerprintNamesPlatform(t *testing.T) {
	d, err := gvisor.New(gvisor.Config{Logger: unikerneltest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	requireRunsc(t, d)
	ctx, cancel := context.WithCancel(context.Background())
	fps, err := d.Fingerprint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fp := <-fps
	cancel()
	for range fps { // drain until the prober ends
	}
	platform := fp.Attributes["platform"]
	if !strings.Contains(fp.Description, "platform "+platform) {
		t.Errorf("Description %q does not name platform %q", fp.Description, platform)
	}
	if strings.HasPrefix(fp.Attributes["kvm"], "unavailable") {
		st := fp.Attributes["systrap"]
		switch {
		case st == "available" && platform != gvisor.PlatformSystrap:
			t.Errorf("systrap available but platform %q", platform)
		case strings.HasPrefix(st, "unavailable: ") && (platform != gvisor.PlatformPtrace || !strings.Contains(fp.Description, "systrap unavailable")):
			t.Errorf("systrap %q, platform %q, description %q: want ptrace and the reason", st, platform, fp.Description)
		case st != "available" && !strings.HasPrefix(st, "unavailable: "):
			t.Errorf("systrap attribute = %q, want available or unavailable: <reason>", st)
		}
	}
}
