package tasks

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

// Example is one example program: a task run by its Go implementation (-mode local) or
// offloaded as its Java source to a mamoc server (-mode offload).
type Example struct {
	// Name prefixes error messages, e.g. "kmp".
	Name string
	// Source is the task's Java source in jadx shape, as an unmodified MAMoC phone sends it.
	Source string
	// Offload, when set, is the source offloaded instead of Source: MAMoC's void tasks keep
	// their result inside the server, so their examples offload a variant whose run()
	// returns it.
	Offload string
	// Result formats the offloaded task's output like Local's line, e.g. "solutions: 92";
	// nil prints "output: …".
	Result func(output string) string
	// Local runs the Go implementation and returns the line to print.
	Local func() (string, error)
	// Prepare sets the params and the resource of the offloaded call.
	Prepare func(r *Remote) error
}

// Main defines the common flags (-mode, -server, -authid, -ticket, -timeout), parses them with
// the flags the program defined before, runs ex and returns the process exit code.
func Main(ex Example) int {
	mode := flag.String("mode", "local", "where to run: local or offload")
	server := flag.String("server", "ws://127.0.0.1:8080/ws", "mamoc server (offload mode): host:port, http://host:port or ws://host:port/ws")
	authid := flag.String("authid", "", "authid for ticket authentication (default anonymous)")
	ticket := flag.String("ticket", "", "ticket for -authid")
	deadline := flag.Duration("timeout", 2*time.Minute, "overall deadline")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *deadline)
	defer cancel()

	var err error
	switch *mode {
	case "local":
		start := time.Now()
		var line string
		if line, err = ex.Local(); err == nil {
			_, _ = fmt.Println(line)
			_, _ = fmt.Printf("local time %v\n", time.Since(start).Round(time.Microsecond))
		}
	case "offload":
		r := Remote{Server: *server, AuthID: *authid, Ticket: *ticket, Source: ex.Source, Result: ex.Result}
		if ex.Offload != "" {
			r.Source = ex.Offload
		}
		if err = ex.Prepare(&r); err == nil {
			err = Offload(ctx, os.Stdout, r)
		}
	default:
		err = fmt.Errorf("-mode %q, want local or offload", *mode)
	}
	if err != nil {
		_, _ = fmt.Fprintln(os.Stderr, ex.Name+":", err)
		return 1
	}
	return 0
}
