package process

import (
	"bytes"
	"encoding/binary"
	"fmt"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

// seccompGroups are installed as separate stacked filters (bwrap --add-seccomp-fd): a policy
// assembled by go-seccomp-bpf returns its default action after its first group, so each group
// gets its own program. Together they deny sandbox.DeniedSyscalls (EPERM), any clone that does not
// create a thread, i.e. every new process (EPERM), and clone3 (ENOSYS, so libc falls back to
// the filtered clone).
var seccompGroups = []seccomp.SyscallGroup{
	{Names: sandbox.DeniedSyscalls, Action: seccomp.ActionErrno},
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
