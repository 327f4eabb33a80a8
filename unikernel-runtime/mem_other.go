//go:build !linux

package unikernel

// machineMemoryMB is 0 (unknown) off Linux.
func machineMemoryMB() int { return 0 }
