// Package process (directory unikernel-runtime/process) is the process-sandbox driver: each instance is a JVM
// under bubblewrap in new user, pid, mount, net, ipc and uts namespaces with a read-only image root, a private
// tmpfs, an unprivileged uid, rlimits, a cgroup v1 leaf and a seccomp filter.
package process
