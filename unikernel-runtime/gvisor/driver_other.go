//go:build !linux

package gvisor

import (
	"context"
	"errors"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

type task struct {
	*sandbox.Exit
}

func (t *task) Kill()    {}
func (t *task) Cleanup() {}
func (t *task) Usage() (unikernel.TaskUsage, error) {
	return unikernel.TaskUsage{}, errors.New("unsupported")
}

// StartTask is unsupported off Linux.
func (d *Driver) StartTask(ctx context.Context, cfg unikernel.TaskConfig) (*unikernel.TaskHandle, error) {
	return nil, errors.New("gvisor driver: unsupported platform")
}
