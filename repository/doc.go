// Package repository stores mamoc's metadata in SQLite and large content in a content-addressed blob store.
//
// Open (or OpenConfig) takes a data directory laid out as:
//
//	mamoc.db (+ -wal, -shm)  SQLite database: WAL, foreign keys, synchronous=FULL
//	blobs/ab/abcd…           blob files named by their sha256 (lowercase hex)
//	tmp/                     blobs being written; emptied at Open
//	LOCK                     flock held while open (one process per directory)
//
// Schema migrations live in migrations/NNNN_name.sql, are embedded in the
// binary, and are applied at Open, each in one transaction with its
// PRAGMA user_version bump. All writes go through a single connection with
// BEGIN IMMEDIATE transactions; reads use a separate read-only pool.
//
// Blobs are written to tmp/, fsynced, renamed into place and the directory
// fsynced, so a crash never leaves a partial blob under its hash; reads
// verify the hash and report ErrCorrupt on mismatch. GC removes blobs no
// record refers to once they are older than Config.BlobGCGrace.
//
// Durability. Sources, resources, tasks, jobs, sites and blobs are committed (synchronous=FULL)
// before the call that writes them returns. Execution records are the exception: RecordExecution
// only queues a record, and one writer commits the queue in one transaction (group commit) at
// most Config.ExecutionFlushInterval (5 ms) after a batch's first record, when
// Config.ExecutionBatch (256) records are queued, before any read or update of executions, and
// at Close. A crash (SIGKILL, power loss) may therefore lose the execution records of the last
// unflushed batch — those recorded in the last few milliseconds — and never anything else; a
// record FlushExecutions has waited for survives any crash.
//
// Units: times are stored as Unix nanoseconds and read back in UTC; every
// time.Duration (queue, execution, communication, boot time) is stored as
// integer nanoseconds.
package repository
