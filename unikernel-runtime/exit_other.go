//go:build !unix

package unikernel

import (
	"errors"
	"os/exec"
)

// ExitResultOf turns the error of an instance process's exec.Cmd.Wait into its ExitResult:
// the exit code (signals are a unix notion).
func ExitResultOf(waitErr error) ExitResult {
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		return ExitResult{ExitCode: ee.ExitCode()}
	}
	return ExitResult{}
}
