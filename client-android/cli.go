package client

import (
	"context"
	"fmt"
	"io"
)

// Main runs the mamoc command-line client with args (without the program name) and returns the
// process exit code: 0 on success, 1 on failure, 2 on a usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		_, _ = fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "decide":
		return runDecide(ctx, args[1:], stdout, stderr)
	case "run":
		return runRun(ctx, args[1:], stdout, stderr)
	case "refactor":
		return runRefactor(ctx, args[1:], stdout, stderr)
	default:
		_, _ = fmt.Fprintf(stderr, "mamoc: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

const usage = `usage: mamoc <command> [flags]

commands:
  decide    rank offloading sites and print the decision as JSON
  run       run a task on one or several sites (split, merged, with failover) and print JSON
  refactor  upload an APK to a mamoc server and print the analysis summary

Run "mamoc <command> -h" for the flags of a command.
`
