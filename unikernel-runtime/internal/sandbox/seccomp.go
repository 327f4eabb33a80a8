package sandbox

// DeniedSyscalls fail with EPERM inside instances under every sandboxing driver, so that all
// drivers' guests are equally able. socketpair stays allowed: NIO needs an anonymous AF_UNIX pair
// (FileDispatcherImpl), and it reaches nothing outside the instance.
var DeniedSyscalls = []string{
	"socket", "connect", "bind", "listen", "accept", "accept4",
	"ptrace", "process_vm_readv", "process_vm_writev",
	"mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
	"bpf", "keyctl", "add_key", "request_key",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"perf_event_open", "userfaultfd", "reboot", "swapon", "swapoff", "acct",
	"fork", "vfork", "open_by_handle_at", "name_to_handle_at",
}
