package unikerneltest

import "syscall"

// sysProcAttr kills the fake guest when the test process dies.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
