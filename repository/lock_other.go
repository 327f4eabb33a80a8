//go:build !unix

package repository

import "os"

// lockDir opens the lock file; non-unix platforms get no cross-process lock.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
}

func unlockDir(f *os.File) error { return f.Close() }

// syncDir is a no-op where directories cannot be fsynced.
func syncDir(string) error { return nil }
