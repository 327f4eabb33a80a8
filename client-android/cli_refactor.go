package client

import (
	"context"
	"fmt"
	"io"
)

// runRefactor is replaced by the refactor CLI.
func runRefactor(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "mamoc refactor: not built yet")
	return 1
}
