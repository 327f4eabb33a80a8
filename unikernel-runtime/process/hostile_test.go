package process_test

import (
	"testing"

	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

func TestHostile(t *testing.T) {
	unikerneltest.RunHostileTests(t, newDriver)
}
