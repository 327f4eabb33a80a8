//go:build unix

package unikernel

import (
	"errors"
	"os/exec"
	"syscall"
)

// ExitResultOf turns the error of an instance process's exec.Cmd.Wait into its ExitResult:
// exit code and, when a signal ended it, the signal.
func ExitResultOf(waitErr error) ExitResult {
	var r ExitResult
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			r.ExitCode = ws.ExitStatus()
			if ws.Signaled() {
				r.Signal = int(ws.Signal())
			}
		}
	}
	return r
}
