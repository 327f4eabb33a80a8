// Command fibonacci computes the N-th Fibonacci number by naive recursion
// in Go (-mode local) or offloads Fibonacci.java to a mamoc server (-mode offload).
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

//go:embed Fibonacci.java
var source string

//go:embed FibonacciNumber.java
var number string

func main() {
	n := flag.Int("n", 25, "N")
	os.Exit(tasks.Main(tasks.Example{
		Name:    "fibonacci",
		Source:  source,
		Offload: number,
		Result:  func(out string) string { return fmt.Sprintf("fib(%d) = %s", *n, out) },
		Local:   func() (string, error) { return fmt.Sprintf("fib(%d) = %d", *n, tasks.Fib(*n)), nil },
		Prepare: func(r *tasks.Remote) error { r.Params = []any{*n}; return nil },
	}))
}
