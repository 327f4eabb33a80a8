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
	case "tasks":
		return runTasks(ctx, args[1:], stdout, stderr)
	case "stats":
		return runStats(ctx, args[1:], stdout, stderr)
	case "jobs":
		return runJobs(ctx, args[1:], stdout, stderr)
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
  tasks     list the tasks a server knows
  stats     show a server's live stats, a line per sample (--once for one)
  jobs      list a server's APK jobs with links to their reports

The server commands take --server HOST:PORT (env MAMOC_SERVER, default 127.0.0.1:8080) and
--authid/--ticket (env MAMOC_AUTHID, MAMOC_TICKET) or --ticket-file; the first-run admin's
ticket is in <data-dir>/admin.ticket on the server.

Run "mamoc <command> -h" for the flags of a command.
`
