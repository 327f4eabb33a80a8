// Package unikerneltest (directory unikernel-runtime/unikerneltest) is the conformance suite every unikernel
// Driver must pass (RunDriverTests) and a fake driver that runs the agent as a plain, unsandboxed host process.
package unikerneltest
