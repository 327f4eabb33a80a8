// Package server is mamoc's server manager: it registers offloadable tasks as WAMP procedures, runs them in the unikernel runtime, publishes live stats and records executions.
package server
