// Command linpack runs the Linpack benchmark in Go (-mode local) or offloads
// Linpack.java to a mamoc server (-mode offload).
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

//go:embed Linpack.java
var source string

func main() {
	n := flag.Int("n", 500, "matrix order n")
	os.Exit(tasks.Main(tasks.Example{
		Name:   "linpack",
		Source: source,
		Local: func() (string, error) {
			res := tasks.Linpack(*n)
			return fmt.Sprintf("normalized residual %v, residual %v, %.1f MFLOPS", res.NormalizedResidual, res.Residual, res.MFLOPS), nil
		},
		Prepare: func(r *tasks.Remote) error { r.Params = []any{*n}; return nil },
	}))
}
