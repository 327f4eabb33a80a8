// Command mamoc-server runs the mamoc offloading server: an embedded WAMP router and the server
// manager that runs offloaded tasks in sandboxed unikernel instances. With no arguments it runs
// on embedded defaults; --help lists every setting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mamoc-go/mamoc/server"
)

func main() {
	cfg, err := server.LoadConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mamoc-server:", err)
		os.Exit(2)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mamoc-server:", err)
		os.Exit(1)
	}
	err = srv.Run(ctx)
	_ = srv.Close()
	if err != nil && !errors.Is(err, server.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "mamoc-server:", err)
		os.Exit(1)
	}
}
