// Command linpack runs the Linpack benchmark (solve an n×n system)
// in Go (-mode local) or offloads Linpack.java to a mamoc server (-mode offload).
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

//go:embed Linpack.java
var source string

func main() {
	mode := flag.String("mode", "local", "where to run: local or offload")
	server := flag.String("server", "ws://127.0.0.1:8080/ws", "mamoc router WebSocket URL (offload mode)")
	authid := flag.String("authid", "", "authid for ticket authentication (default anonymous)")
	ticket := flag.String("ticket", "", "ticket for -authid")
	deadline := flag.Duration("timeout", 2*time.Minute, "overall deadline")
	n := flag.Int("n", 500, "matrix order n")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *deadline)
	defer cancel()

	var err error
	switch *mode {
	case "local":
		start := time.Now()
		res := tasks.Linpack(*n)
		fmt.Printf("normalized residual %v, residual %v, %.1f MFLOPS\n", res.NormalizedResidual, res.Residual, res.MFLOPS)
		fmt.Printf("local time %v\n", time.Since(start).Round(time.Microsecond))
	case "offload":
		r := tasks.Remote{Server: *server, AuthID: *authid, Ticket: *ticket, Source: source}
		r.Params = []any{*n}
		if err == nil {
			err = tasks.Offload(ctx, os.Stdout, r)
		}
	default:
		err = fmt.Errorf("-mode %q, want local or offload", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "linpack:", err)
		cancel()
		stop()
		os.Exit(1)
	}
}
