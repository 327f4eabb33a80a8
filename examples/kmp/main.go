// Command kmp counts the occurrences of a keyword in a text with Knuth–Morris–Pratt
// in Go (-mode local) or offloads KMP.java to a mamoc server (-mode offload).
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

//go:embed KMP.java
var source string

func main() {
	mode := flag.String("mode", "local", "where to run: local or offload")
	server := flag.String("server", "ws://127.0.0.1:8080/ws", "mamoc router WebSocket URL (offload mode)")
	authid := flag.String("authid", "", "authid for ticket authentication (default anonymous)")
	ticket := flag.String("ticket", "", "ticket for -authid")
	deadline := flag.Duration("timeout", 2*time.Minute, "overall deadline")
	pattern := flag.String("pattern", "the", "keyword to count")
	resource := flag.String("resource", "small.txt", "text file in examples/testdata")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *deadline)
	defer cancel()

	var err error
	switch *mode {
	case "local":
		text, rerr := tasks.ReadTestdata(*resource)
		start := time.Now()
		if err = rerr; err == nil {
			fmt.Printf("matches: %d\n", tasks.KMP(string(text), *pattern))
		}
		fmt.Printf("local time %v\n", time.Since(start).Round(time.Microsecond))
	case "offload":
		r := tasks.Remote{Server: *server, AuthID: *authid, Ticket: *ticket, Source: source}
		r.ResourceName, r.Params = *resource, []any{*pattern}
		r.Resource, err = tasks.ReadTestdata(*resource)
		if err == nil {
			err = tasks.Offload(ctx, os.Stdout, r)
		}
	default:
		err = fmt.Errorf("-mode %q, want local or offload", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kmp:", err)
		cancel()
		stop()
		os.Exit(1)
	}
}
