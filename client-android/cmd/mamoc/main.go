// Command mamoc is the mamoc command-line client: it runs tasks on sites (run), ranks offloading
// sites (decide) and uploads APKs for analysis (refactor).
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
