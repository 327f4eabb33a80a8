package decision

import (
	"errors"
	"fmt"
)

var (
	// ErrInconsistent means a pairwise comparison matrix has a consistency ratio above
	// MaxConsistencyRatio; the error is an *InconsistentError carrying the ratio.
	ErrInconsistent = errors.New("inconsistent pairwise comparisons")
	// ErrInvalid means an argument, a configuration or a site failed validation.
	ErrInvalid = errors.New("invalid argument")
	// ErrNoSites means a request had no site that can run the task.
	ErrNoSites = errors.New("no usable site")
)

// InconsistentError reports a pairwise comparison matrix whose consistency ratio CR exceeds
// MaxConsistencyRatio. It unwraps to ErrInconsistent.
type InconsistentError struct {
	// CR is the consistency ratio CI/RI of the refused matrix.
	CR float64
}

func (e *InconsistentError) Error() string {
	return fmt.Sprintf("consistency ratio %.4f above %.2f: %v", e.CR, MaxConsistencyRatio, ErrInconsistent)
}

// Unwrap returns ErrInconsistent.
func (e *InconsistentError) Unwrap() error { return ErrInconsistent }
