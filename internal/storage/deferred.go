package storage

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// This file is the deferred-durability commit path (Options.DeferSync):
// the object's goroutine commits without waiting for the disk, and whoever
// must not act before the commit is durable (the output gate) calls the
// returned wait, off that goroutine. In WAL mode a transaction is durable
// once its frames are on disk in the -wal file, so the wait is an fdatasync
// of that file; fdatasync works on the inode, so a descriptor of our own
// covers SQLite's writes.

func (db *DB) syncPragma() string {
	if db.opts.DeferSync {
		return "PRAGMA synchronous=NORMAL"
	}
	return "PRAGMA synchronous=FULL"
}

// errSyncerClosed is never returned to callers: a closed DB's commits were
// made durable by its closing checkpoint.
var errSyncerClosed = errors.New("storage: wal syncer closed")

// walSyncer batches fdatasyncs of one WAL file. committed is advanced by
// the owner after each COMMIT; waiters share syncs.
type walSyncer struct {
	path      string
	committed atomic.Uint64

	mu      sync.Mutex // guards following
	cond    *sync.Cond
	f       *os.File
	synced  uint64
	syncing bool
	closed  bool
	err     error
}

func newWALSyncer(path string) *walSyncer {
	s := &walSyncer{path: path}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// wait returns once every commit up to gen is on disk.
func (s *walSyncer) wait(gen uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.synced < gen {
		if s.closed {
			return nil
		}
		if s.err != nil {
			return s.err
		}
		if s.syncing {
			s.cond.Wait()
			continue
		}
		s.syncing = true
		target := s.committed.Load()
		f := s.f
		s.mu.Unlock()
		var err error
		if f == nil {
			f, err = os.Open(s.path)
		}
		if err == nil {
			err = fdatasync(f)
		}
		s.mu.Lock()
		s.syncing = false
		if s.f == nil && f != nil && !s.closed {
			s.f = f
		} else if f != nil && f != s.f {
			f.Close()
		}
		if err != nil && !s.closed {
			s.err = fmt.Errorf("storage: sync %s: %w", s.path, err)
		} else if target > s.synced {
			s.synced = target
		}
		s.cond.Broadcast()
	}
	return nil
}

func (s *walSyncer) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	s.cond.Broadcast()
}

// CommitDeferred commits the implicit transaction like Commit, but with
// Options.DeferSync it returns before the commit is on disk, with a wait
// that returns once it is (call it off the owner's goroutine; it is
// goroutine-safe and cheap after the first waiter). Without DeferSync,
// wait is nil and the commit is already durable. A wait error means the
// disk refused the write: the DB is unusable and the commit may be lost.
func (db *DB) CommitDeferred() (Changeset, func() error, error) {
	had := db.inTx
	cs, err := db.Commit()
	if err != nil || !had || !db.opts.DeferSync {
		return cs, nil, err
	}
	if db.wal == nil {
		db.wal = newWALSyncer(db.path + "-wal")
	}
	gen := db.wal.committed.Add(1)
	w := db.wal
	return cs, func() error { return w.wait(gen) }, nil
}
