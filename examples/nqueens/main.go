// Command nqueens counts the solutions of the N-queens problem
// in Go (-mode local) or offloads Queens.java to a mamoc server (-mode offload).
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

//go:embed Queens.java
var source string

//go:embed QueensCount.java
var count string

func main() {
	n := flag.Int("n", 13, "board size N")
	os.Exit(tasks.Main(tasks.Example{
		Name:    "nqueens",
		Source:  source,
		Offload: count,
		Result:  func(out string) string { return "solutions: " + out },
		Local:   func() (string, error) { return fmt.Sprintf("solutions: %d", tasks.NQueens(*n)), nil },
		Prepare: func(r *tasks.Remote) error { r.Params = []any{*n}; return nil },
	}))
}
