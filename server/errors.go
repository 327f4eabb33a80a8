package server

import "errors"

// ErrServerClosed is returned by Run after a clean shutdown.
var ErrServerClosed = errors.New("mamoc server closed")
