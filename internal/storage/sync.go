package storage

import (
	"os"
	"sync"
)

// syncer batches the WAL syncs of SyncGroup commits (group commit). A
// committer registers its WAL file and waits; one committer at a time leads
// a round that syncs every file registered before the round began, and
// everyone who registered in time is released together. While a round runs,
// new committers accumulate for the next one, so under load each fsync
// serves many commits.
//
// A failed sync is sticky: after it, every wait fails, because after an
// fsync error the kernel may have dropped the dirty pages and retrying
// would report success for lost data.
type syncer struct {
	mu      sync.Mutex // guards following
	cond    *sync.Cond
	pending map[*os.File]struct{}
	started uint64 // rounds started
	done    uint64 // rounds finished
	running bool
	err     error
}

func newSyncer() *syncer {
	s := &syncer{pending: map[*os.File]struct{}{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// wait returns once f has been synced by a round that began after the call.
func (s *syncer) wait(f *os.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.pending[f] = struct{}{}
	mine := s.started + 1 // the next round to start takes f
	for s.done < mine && s.err == nil {
		if s.running {
			s.cond.Wait()
			continue
		}
		s.running = true
		s.started++
		files := s.pending
		s.pending = make(map[*os.File]struct{}, len(files))
		s.mu.Unlock()
		err := syncFiles(files)
		s.mu.Lock()
		s.running = false
		s.done++
		if err != nil && s.err == nil {
			s.err = err
		}
		s.cond.Broadcast()
	}
	return s.err
}

// forget drops f from the pending set; f is about to be closed.
func (s *syncer) forget(f *os.File) {
	s.mu.Lock()
	delete(s.pending, f)
	s.mu.Unlock()
}

func syncFiles(files map[*os.File]struct{}) error {
	if len(files) == 1 {
		for f := range files {
			return fdatasync(f)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for f := range files {
		wg.Go(func() {
			if err := fdatasync(f); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}
