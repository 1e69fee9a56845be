//go:build !linux

package storage

import "os"

// fdatasync flushes f; platforms without fdatasync get a full fsync.
func fdatasync(f *os.File) error { return f.Sync() }
