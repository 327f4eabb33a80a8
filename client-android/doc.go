// Package client (directory client-android) is the phone-side Go SDK for mamoc: Dial a mamoc
// server's WAMP router, Deploy a task's Java source (compiled once per source SHA-256), upload
// its resources (SyncResources sends only what the server lacks), Run it with progress and
// cancellation, and follow the server's load (Stats, SubscribeStats). Offloader decides per call,
// with package decision, whether a task runs on the phone or on the server. Errors answered by
// the server are *Error values matching one sentinel per URI (ErrCompile, ErrRuntime, …) with
// errors.Is. Subpackage mobile is the gomobile-bindable facade; Main is the mamoc CLI.
package client
