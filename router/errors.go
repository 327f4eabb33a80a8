package router

import "errors"

// ErrClosed is returned by ServeRawSocket once the router is closed.
var ErrClosed = errors.New("router closed")
