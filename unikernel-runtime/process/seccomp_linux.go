package process

import (
	"bytes"
	"encoding/binary"
	"fmt"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// deniedSyscalls fail with EPERM inside instances. socketpair stays allowed: NIO needs an
// anonymous AF_UNIX pair (FileDispatcherImpl), and it reaches nothing outside the instance.
var deniedSyscalls = []string{
	"socket", "connect", "bind", "listen", "accept", "accept4",
	"ptrace", "process_vm_readv", "process_vm_writev",
	"mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
	"bpf", "keyctl", "add_key", "request_key",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"perf_event_open", "userfaultfd", "reboot", "swapon", "swapoff", "acct",
	"fork", "vfork", "open_by_handle_at", "name_to_handle_at",
}

// seccompGroups are installed as separate stacked filters (bwrap --add-seccomp-fd): a policy
// assembled by go-seccomp-bpf returns its default action after its first group, so each group
// gets its own program. Together they deny deniedSyscalls (EPERM), any clone that does not
// create a thread, i.e. every new process (EPERM), and clone3 (ENOSYS, so libc falls back to
// the filtered clone).
var seccompGroups = []seccomp.SyscallGroup{
	{Names: deniedSyscalls, Action: seccomp.ActionErrno},
	{Names: []string{"clone3"}, Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS)},
	{NamesWithCondtions: []seccomp.NameWithConditions{{Name: "clone", Conditions: seccomp.ArgumentConditions{
		{Argument: 0, Operation: seccomp.BitsNotSet, Value: unix.CLONE_THREAD}}}}, Action: seccomp.ActionErrno},
}

// seccompPrograms returns each filter as the raw sock_filter array bwrap reads.
func seccompPrograms() ([][]byte, error) {
	var progs [][]byte
	for _, g := range seccompGroups {
		b, err := seccompProgram(g)
		if err != nil {
			return nil, err
		}
		progs = append(progs, b)
	}
	return progs, nil
}

func seccompProgram(g seccomp.SyscallGroup) ([]byte, error) {
	p := seccomp.Policy{DefaultAction: seccomp.ActionAllow, Syscalls: []seccomp.SyscallGroup{g}}
	insns, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	raw, err := bpf.Assemble(insns)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	var buf bytes.Buffer
	for _, r := range raw {
		_ = binary.Write(&buf, binary.NativeEndian, r)
	}
	return buf.Bytes(), nil
}
