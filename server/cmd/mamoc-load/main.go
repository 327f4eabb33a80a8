// Command mamoc-load measures mamoc-server at the client side: plain nexus clients over
// WebSocket + CBOR on 127.0.0.1 call an edge user's no-op procedure and a trivial MAMoC task
// (its FQCN, [null, [41]]) through the same router with 1, 10, 50 and 200 sessions, and compare
// a warm NQueens(13) task with a warmed plain JVM and with MAMoC's way (a fresh java per call).
// Each -server binary is started on a fresh data directory and measured in turn, once per
// -drivers entry (the server's --driver); a table then compares the drivers' task latencies.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o options
	servers := flag.String("server", "", "comma-separated label=path of mamoc-server binaries to measure in turn")
	sessions := flag.String("sessions", "1,10,50,200", "comma-separated session counts")
	drivers := flag.String("drivers", "", "comma-separated unikernel drivers to run each server with (--driver); empty: the server's default")
	flag.IntVar(&o.calls, "calls", 2500, "calls per phase (split over the sessions, at least -min-calls per session)")
	flag.IntVar(&o.minCalls, "min-calls", 50, "calls per session at least")
	flag.DurationVar(&o.phaseTime, "phase-time", 40*time.Second, "time bound of one phase")
	flag.IntVar(&o.queensN, "nqueens", 13, "NQueens size (0 skips the NQueens line)")
	flag.IntVar(&o.queensReps, "nqueens-reps", 7, "measured NQueens calls per way")
	flag.StringVar(&o.queensSrc, "queens-source", "examples/nqueens/Queens.java", "NQueens task source (jadx Java)")
	flag.Parse()
	var err error
	if o.sessions, err = parseInts(*sessions); err != nil || *servers == "" {
		fmt.Fprintln(os.Stderr, "mamoc-load: need -server label=path[,...] and -sessions n[,n...]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var reports []report
	for _, s := range strings.Split(*servers, ",") {
		label, path, ok := strings.Cut(s, "=")
		if !ok {
			label, path = s, s
		}
		for _, drv := range strings.Split(*drivers, ",") {
			lbl, args := label, []string(nil)
			if drv != "" {
				lbl, args = label+"/"+drv, []string{"--driver", drv}
			}
			r, err := measure(ctx, lbl, path, args, o)
			if err != nil {
				fmt.Fprintf(os.Stderr, "mamoc-load: %s: %v\n", lbl, err)
				os.Exit(1)
			}
			r.driver = drv
			reports = append(reports, r)
		}
	}
	printReports(os.Stdout, reports)
}
