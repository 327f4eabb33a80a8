package gvisor_test

import (
	"os"
	"os/exec"
	"testing"

	"go.uber.org/goleak"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/gvisor"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// requireRunsc skips the test on hosts without runsc or root (.ci/deps/gvisor.sh installs runsc).
func requireRunsc(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("runsc"); err != nil {
		t.Skip("runsc not installed (see .ci/deps/gvisor.sh)")
	}
	if os.Geteuid() != 0 {
		t.Skip("the gvisor driver needs root")
	}
}

func newDriver(t *testing.T) unikernel.Driver {
	requireRunsc(t)
	d, err := gvisor.New(gvisor.Config{Logger: unikerneltest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestConformance(t *testing.T) {
	unikerneltest.RunDriverTests(t, newDriver)
}

func TestHostile(t *testing.T) {
	unikerneltest.RunHostileTests(t, newDriver)
}
