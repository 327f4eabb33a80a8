//go:build unix

package router

import "syscall"

// raiseFileLimit raises the soft limit on open files to the hard limit and returns the
// soft limit in effect (Go's runtime does the same at start since Go 1.19; doing it here
// keeps it true for embedders that lowered it). It returns 0 when the limit is unknown.
func raiseFileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = want.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
			lim = want
		}
	}
	return uint64(lim.Cur)
}
