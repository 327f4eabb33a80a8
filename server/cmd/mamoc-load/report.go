package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/1e6) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func errText(s stat) string {
	if len(s.errs) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.errs)) {
		parts = append(parts, fmt.Sprintf("%d %s", s.errs[k], k))
	}
	return strings.Join(parts, ", ")
}

// printReports prints one table per server: trivial task against no-op RPC, same sessions, same run.
func printReports(w io.Writer, reports []report) {
	for _, r := range reports {
		fmt.Fprintf(w, "\n%s: no-op RPC of an edge user vs trivial MAMoC task (FQCN, [null,[41]]), ws+cbor on 127.0.0.1\n", r.label)
		fmt.Fprintln(w, "| sessions × calls | no-op p50 / p99 ms | no-op calls/s | task p50 / p99 ms | task calls/s | p50 ratio | p99 ratio | calls/s ratio | no-op errors | task errors |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
		for _, x := range r.rows {
			fmt.Fprintf(w, "| %d × %d | %s / %s | %.0f | %s / %s | %.0f | %s | %s | %s | %s | %s |\n",
				x.sessions, x.callsPer, ms(x.noop.p50), ms(x.noop.p99), x.noop.rate, ms(x.trivial.p50), ms(x.trivial.p99), x.trivial.rate,
				ratio(float64(x.trivial.p50), float64(x.noop.p50)), ratio(float64(x.trivial.p99), float64(x.noop.p99)),
				ratio(x.trivial.rate, x.noop.rate), errText(x.noop), errText(x.trivial))
		}
		if q := r.nq; q != nil {
			fmt.Fprintf(w, "NQueens(%d) warm median: mamoc %s ms, warmed plain JVM %s ms (mamoc speed %s of the JVM), MAMoC's way (fresh java per call) %s ms (mamoc %s faster)\n",
				q.n, ms(q.mamoc), ms(q.jvm), ratio(float64(q.jvm), float64(q.mamoc)), ms(q.mamocWay), ratio(float64(q.mamocWay), float64(q.mamoc)))
		}
	}
	fmt.Fprintln(w, "\ngoals: 1 session p50 ratio ≤ 1.6×, p99 ratio ≤ 5×; 50 sessions calls/s ratio ≥ 0.5× without errors; 200 sessions no errors; NQueens ≥ 0.95× the JVM")
	printDrivers(w, reports)
}

// printDrivers compares, for each server, every driver's trivial task with the process driver's,
// as the phone sees them (same sessions, same run).
func printDrivers(w io.Writer, reports []report) {
	for _, base := range reports {
		if base.driver != "process" {
			continue
		}
		server, _, _ := strings.Cut(base.label, "/")
		for _, r := range reports {
			if r.driver == "" || r.driver == "process" || !strings.HasPrefix(r.label, server+"/") {
				continue
			}
			fmt.Fprintf(w, "\n%s: trivial MAMoC task through driver %s vs process, at the client\n", server, r.driver)
			fmt.Fprintf(w, "| sessions | %s p50 / p99 ms | process p50 / p99 ms | p50 ratio | p99 ratio | calls/s ratio |\n", r.driver)
			fmt.Fprintln(w, "|---|---|---|---|---|---|")
			for i, x := range r.rows {
				if i >= len(base.rows) {
					break
				}
				b := base.rows[i]
				fmt.Fprintf(w, "| %d | %s / %s | %s / %s | %s | %s | %s |\n", x.sessions, ms(x.trivial.p50), ms(x.trivial.p99),
					ms(b.trivial.p50), ms(b.trivial.p99), ratio(float64(x.trivial.p50), float64(b.trivial.p50)),
					ratio(float64(x.trivial.p99), float64(b.trivial.p99)), ratio(x.trivial.rate, b.trivial.rate))
			}
			if r.nq != nil && base.nq != nil {
				fmt.Fprintf(w, "NQueens(%d) warm median: %s %s ms, process %s ms (speed %s of process)\n", r.nq.n, r.driver,
					ms(r.nq.mamoc), ms(base.nq.mamoc), ratio(float64(base.nq.mamoc), float64(r.nq.mamoc)))
			}
		}
	}
}
