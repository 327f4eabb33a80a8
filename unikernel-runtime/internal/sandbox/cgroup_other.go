//go:build !linux

package sandbox

// Controllers is empty: cgroups exist only on Linux.
var Controllers []string

// ControllerOK reports false: cgroups exist only on Linux.
func ControllerOK(root, ctrl string) bool { return false }
