package builtin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	_ "github.com/mamoc-go/mamoc/unikernel-runtime/builtin"
)

func TestBuiltinDrivers(t *testing.T) {
	for _, name := range []string{"process", "gvisor"} {
		if !slices.Contains(unikernel.Drivers(), name) {
			t.Errorf("Drivers() = %v, want %q among them", unikernel.Drivers(), name)
		}
	}
}

// TestMissingBackendSaysWhatToInstall starts a runtime on each built-in driver with an empty PATH:
// the driver is undetected, and the error names the package to install.
func TestMissingBackendSaysWhatToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tests := []struct{ driver, want string }{
		{"gvisor", "apt-get install runsc"},
		{"process", "bubblewrap"},
	}
	for _, tc := range tests {
		t.Run(tc.driver, func(t *testing.T) {
			rt, err := unikernel.New(unikernel.Config{Driver: tc.driver, ImageDir: t.TempDir()}, nil)
			if err == nil {
				_ = rt.Close()
				t.Fatalf("New(%s) without its backend = nil error, want one", tc.driver)
			}
			if !errors.Is(err, unikernel.ErrUnknownDriver) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New(%s) = %v, want ErrUnknownDriver mentioning %q", tc.driver, err, tc.want)
			}
		})
	}
}
