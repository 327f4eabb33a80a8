//go:build !linux

package gvisor

import (
	"context"
	"errors"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// cgroupControllers is empty: gVisor runs only on Linux.
var cgroupControllers []string

type task struct {
	done chan struct{}
	exit unikernel.ExitResult
}

func (t *task) kill()    {}
func (t *task) cleanup() {}
func (t *task) usage() (unikernel.TaskUsage, error) {
	return unikernel.TaskUsage{}, errors.New("unsupported")
}

func (d *Driver) controllerOK(string) bool { return false }

// StartTask is unsupported off Linux.
func (d *Driver) StartTask(ctx context.Context, cfg unikernel.TaskConfig) (*unikernel.TaskHandle, error) {
	return nil, errors.New("gvisor driver: unsupported platform")
}
