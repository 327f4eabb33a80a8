// Package tasks (directory examples/tasks) holds the Go versions of the example tasks, which the
// example programs run in local mode, and Offload, which runs their Java versions on a mamoc server.
package tasks
