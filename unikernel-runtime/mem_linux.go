package unikernel

import "syscall"

// machineMemoryMB is the machine's total memory in MiB.
func machineMemoryMB() int {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	return int(uint64(si.Totalram) * uint64(si.Unit) >> 20)
}
