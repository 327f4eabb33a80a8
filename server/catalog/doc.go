// Package catalog (directory server/catalog) is mamoc-server's task catalogue: it deploys a
// task's source (transform, compile in the runtime, store the artifact and what a restart
// needs), keeps the deployed tasks by procedure, restores them at start from the stored
// metadata alone, builds a call's arguments (resources first), runs calls in the runtime and
// records each execution. It knows nothing of WAMP sessions: package server offers the
// catalogue's tasks as procedures.
package catalog
