package repository

import (
	"fmt"
	"log/slog"
	"time"
)

// Config configures a DB. The zero value of every field means its default.
type Config struct {
	// Dir is the data directory holding mamoc.db and blobs/. Default "data".
	Dir string `json:"dir"`
	// MaxBlobSize is the largest blob accepted by PutBlob, in bytes.
	// Default 1 GiB.
	MaxBlobSize int64 `json:"max_blob_size"`
	// BusyTimeout is how long SQLite waits on a locked database before
	// returning SQLITE_BUSY. Default 10s.
	BusyTimeout time.Duration `json:"busy_timeout"`
	// BlobGCGrace protects blobs younger than this (by modification time,
	// refreshed by PutBlob, HasBlob and MissingBlobs) from GC, so a blob
	// stored just before the record referring to it survives. Default 1h.
	BlobGCGrace time.Duration `json:"blob_gc_grace"`
	// MaxReaders is the number of concurrent read connections. Default 4.
	MaxReaders int `json:"max_readers"`
	// ExecutionFlushInterval is the longest a recorded execution waits for its group commit
	// (see DB.RecordExecution). Default 5ms.
	ExecutionFlushInterval time.Duration `json:"execution_flush_interval"`
	// ExecutionBatch is the most executions committed in one transaction. Default 256.
	ExecutionBatch int `json:"execution_batch"`
	// ObserveCommit, when set, is called after each group commit of recorded executions with
	// the number of records and how long the commit took (metrics). Default none.
	ObserveCommit func(records int, took time.Duration) `json:"-"`
	// Logger receives debug and warning messages. Default: discard.
	Logger *slog.Logger `json:"-"`
}

// Defaults.
const (
	defaultDir         = "data"
	defaultMaxBlobSize = 1 << 30
	defaultBusyTimeout = 10 * time.Second
	defaultBlobGCGrace = time.Hour
	defaultMaxReaders  = 4
)

func (c *Config) setDefaults() {
	if c.Dir == "" {
		c.Dir = defaultDir
	}
	if c.MaxBlobSize == 0 {
		c.MaxBlobSize = defaultMaxBlobSize
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = defaultBusyTimeout
	}
	if c.BlobGCGrace == 0 {
		c.BlobGCGrace = defaultBlobGCGrace
	}
	if c.MaxReaders == 0 {
		c.MaxReaders = defaultMaxReaders
	}
	if c.ExecutionFlushInterval == 0 {
		c.ExecutionFlushInterval = 5 * time.Millisecond
	}
	if c.ExecutionBatch == 0 {
		c.ExecutionBatch = 256
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports whether c (after defaults) is usable.
func (c *Config) Validate() error {
	switch {
	case c.MaxBlobSize < 0:
		return fmt.Errorf("max_blob_size %d: %w", c.MaxBlobSize, ErrInvalid)
	case c.BusyTimeout < 0:
		return fmt.Errorf("busy_timeout %s: %w", c.BusyTimeout, ErrInvalid)
	case c.BlobGCGrace < 0:
		return fmt.Errorf("blob_gc_grace %s: %w", c.BlobGCGrace, ErrInvalid)
	case c.MaxReaders < 0:
		return fmt.Errorf("max_readers %d: %w", c.MaxReaders, ErrInvalid)
	case c.ExecutionFlushInterval < 0 || c.ExecutionBatch < 0:
		return fmt.Errorf("execution_flush_interval %s, execution_batch %d: %w", c.ExecutionFlushInterval, c.ExecutionBatch, ErrInvalid)
	}
	return nil
}
