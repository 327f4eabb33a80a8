// Command decisionsim replays the synthetic traces of package tracesim against every offloading
// policy and prints mean completion time and phone energy per policy as a Markdown table.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mamoc-go/mamoc/decision/tracesim"
)

func main() {
	tasks := flag.Int("tasks", 600, "tasks per scenario (one every 10 s)")
	seed := flag.Uint64("seed", 1, "seed of the execution-time noise")
	flag.Parse()
	if *tasks < 1 {
		fmt.Fprintln(os.Stderr, "decisionsim: -tasks must be positive")
		os.Exit(2)
	}
	fmt.Print(tracesim.Table(tracesim.RunAll(*tasks, *seed)))
}
