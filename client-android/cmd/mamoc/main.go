// Command mamoc is the mamoc command-line client: it runs tasks on one or several sites (run),
// ranks offloading sites (decide), uploads APKs for analysis (refactor), and shows a server's
// tasks, live stats and APK jobs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	client "github.com/mamoc-go/mamoc/client-android"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := client.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
