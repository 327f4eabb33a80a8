package unikerneltest_test

import (
	"testing"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

func TestFakeDriver(t *testing.T) {
	unikerneltest.RunDriverTests(t, func(_ *testing.T) unikernel.Driver { return unikerneltest.NewFakeDriver() })
}
