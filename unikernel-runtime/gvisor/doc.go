// Package gvisor (directory unikernel-runtime/gvisor) is the gVisor driver: each instance is a runsc
// sandbox, an application kernel in user space (the Sentry) between the JVM and the host kernel, booted
// from an OCI bundle with a read-only image root, a private tmpfs, no network, an unprivileged uid,
// cgroup v1 limits and an OCI seccomp filter applied inside the Sentry. The agent speaks over the
// container's stdin and stdout.
package gvisor
