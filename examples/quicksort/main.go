// Command quicksort sorts the words of a text with quicksort in Go (-mode local) or
// offloads QuickSort.java with the text as its resource (-mode offload).
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

//go:embed QuickSort.java
var source string

//go:embed QuickSortCount.java
var count string

func main() {
	resource := flag.String("resource", "small.txt", "text file in examples/testdata")
	os.Exit(tasks.Main(tasks.Example{
		Name:    "quicksort",
		Source:  source,
		Offload: count,
		Result: func(out string) string {
			if out == "-1" {
				return "sorted: out of order!"
			}
			return "sorted " + out + " words"
		},
		Local: func() (string, error) {
			text, err := tasks.ReadTestdata(*resource)
			words := tasks.SplitWords(string(text))
			tasks.QuickSort(words)
			return fmt.Sprintf("sorted %d words", len(words)), err
		},
		Prepare: func(r *tasks.Remote) (err error) {
			r.ResourceName = *resource
			r.Resource, err = tasks.ReadTestdata(*resource)
			return err
		},
	}))
}
