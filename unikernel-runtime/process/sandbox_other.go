//go:build !linux

package process

import (
	"context"
	"errors"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

type task struct {
	*sandbox.Exit

	child int
}

func (t *task) Kill()    {}
func (t *task) Cleanup() {}
func (t *task) cpu() (time.Duration, error) {
	return 0, errors.New("unsupported")
}

func (t *task) Usage() (unikernel.TaskUsage, error) {
	return unikernel.TaskUsage{}, errors.New("unsupported")
}

func (d *Driver) probe(ctx context.Context) unikernel.Fingerprint {
	return unikernel.Fingerprint{Health: unikernel.HealthUndetected, Description: "the process driver needs Linux"}
}

// StartTask is unsupported off Linux.
func (d *Driver) StartTask(ctx context.Context, cfg unikernel.TaskConfig) (*unikernel.TaskHandle, error) {
	return nil, errors.New("process driver: unsupported platform")
}
