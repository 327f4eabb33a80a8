package repository

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

var (
	// ErrNotFound means the requested record or blob does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists means a record with the same key already exists.
	ErrExists = errors.New("already exists")
	// ErrCorrupt means a blob's bytes on disk no longer match its sha256.
	ErrCorrupt = errors.New("blob corrupt")
	// ErrHashMismatch means uploaded content does not hash to the sha256
	// the uploader claimed (PutBlobVerified); nothing was stored.
	ErrHashMismatch = errors.New("blob content does not match its sha256")
	// ErrTooLarge means a blob exceeds Config.MaxBlobSize.
	ErrTooLarge = errors.New("blob too large")
	// ErrClosed means the DB was used after Close.
	ErrClosed = errors.New("repository closed")
	// ErrInvalid means a record or argument failed validation.
	ErrInvalid = errors.New("invalid argument")
	// ErrNoSpace means the disk (or its quota) is full; nothing partial was kept.
	ErrNoSpace = errors.New("no space left")
	// ErrLocked means another process holds the data directory open.
	ErrLocked = errors.New("data directory locked by another process")
	// ErrSchemaTooNew means the database was written by a newer mamoc whose
	// migrations this binary does not know.
	ErrSchemaTooNew = errors.New("database schema newer than this binary")
)

// classify adds ErrNoSpace / ErrExists to err when SQLite or the OS report
// disk-full or constraint conditions, so callers can use errors.Is.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch {
		case se.Code == sqlite3.ErrFull:
			return fmt.Errorf("%w: %w", ErrNoSpace, err)
		case se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey,
			se.ExtendedCode == sqlite3.ErrConstraintUnique:
			return fmt.Errorf("%w: %w", ErrExists, err)
		}
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}
