// Package sandbox (directory unikernel-runtime/internal/sandbox) holds what the process and gvisor
// drivers share: the task table behind StartTask/WaitTask/StopTask, the agent's pipe connection,
// the cgroup v1 leaf of an instance, the seccomp deny list and the host probes of a fingerprint.
package sandbox
