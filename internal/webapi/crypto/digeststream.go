package crypto

import (
	"hash"
	"sync"
)

// maxOpenHashes bounds the incremental hashes (crypto.DigestStream) one
// runtime may have open at once.
const maxOpenHashes = 4096

// hashTable holds the incremental hashes of one HostSet's DigestStreams,
// by id. The JS half frees an id when its stream closes or aborts, or when
// the stream is garbage-collected. Its methods are goroutine-safe.
type hashTable struct {
	mu     sync.Mutex // guards following
	next   int
	hashes map[int]hash.Hash
}

func newHashTable() *hashTable { return &hashTable{hashes: map[int]hash.Hash{}} }

// open: crypto.hashNew(name) -> id.
func (t *hashTable) open(args []any) (any, error) {
	h, err := newHash(argString(args, 0))
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.hashes) >= maxOpenHashes {
		return nil, opError("Too many open DigestStreams (at most %d).", maxOpenHashes)
	}
	t.next++
	t.hashes[t.next] = h()
	return t.next, nil
}

func (t *hashTable) get(args []any) (hash.Hash, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.hashes[argNum(args, 0, -1)]
	if !ok {
		return nil, newError("InvalidStateError", "The DigestStream is closed.")
	}
	return h, nil
}

// write: crypto.hashWrite(id, bytes).
func (t *hashTable) write(args []any) (any, error) {
	h, err := t.get(args)
	if err != nil {
		return nil, err
	}
	h.Write(argBytes(args, 1))
	return nil, nil
}

// sum: crypto.hashSum(id) -> digest bytes; frees id.
func (t *hashTable) sum(args []any) (any, error) {
	h, err := t.get(args)
	if err != nil {
		return nil, err
	}
	t.free(args)
	return h.Sum(nil), nil
}

// free: crypto.hashFree(id).
func (t *hashTable) free(args []any) (any, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.hashes, argNum(args, 0, -1))
	return nil, nil
}
