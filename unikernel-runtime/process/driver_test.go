package process_test

import (
	"testing"

	"go.uber.org/goleak"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/process"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newDriver(t *testing.T) unikernel.Driver {
	d, err := process.New(process.Config{Logger: unikerneltest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestConformance(t *testing.T) {
	unikerneltest.RunDriverTests(t, newDriver)
}
