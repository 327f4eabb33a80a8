package client

import (
	"context"
	"fmt"
	"io"
)

// runDecide is replaced by the decision CLI.
func runDecide(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "mamoc decide: not built yet")
	return 1
}
