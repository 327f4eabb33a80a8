//go:build !unix

package router

// raiseFileLimit returns 0: the open-file limit is unknown on this platform.
func raiseFileLimit() uint64 { return 0 }
