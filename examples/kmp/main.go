// Command kmp counts a keyword in a text with the Knuth-Morris-Pratt algorithm in Go
// (-mode local) or offloads KMP.java with the text as its resource (-mode offload).
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

//go:embed KMP.java
var source string

func main() {
	pattern := flag.String("pattern", "the", "keyword to count")
	resource := flag.String("resource", "small.txt", "text file in examples/testdata")
	os.Exit(tasks.Main(tasks.Example{
		Name:   "kmp",
		Source: source,
		Local: func() (string, error) {
			text, err := tasks.ReadTestdata(*resource)
			return fmt.Sprintf("matches: %d", tasks.KMP(string(text), *pattern)), err
		},
		Prepare: func(r *tasks.Remote) (err error) {
			r.ResourceName, r.Params = *resource, []any{*pattern}
			r.Resource, err = tasks.ReadTestdata(*resource)
			return err
		},
	}))
}
