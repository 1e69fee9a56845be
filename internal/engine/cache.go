package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"modernc.org/quickjs"
)

// Cache holds compiled bytecode keyed by the hash of (engine version, file
// name, source), so a new runtime or a restart does not parse sources again.
// It is goroutine-safe. Dir, if set, persists entries across restarts.
type Cache struct {
	Dir string

	mu sync.Mutex // guards following
	m  map[string][]byte
}

var defaultCache = &Cache{}

// NewCache returns a cache persisting to dir ("" for memory only).
func NewCache(dir string) *Cache { return &Cache{Dir: dir} }

// SetDefaultCacheDir makes the process-wide cache persist to dir.
func SetDefaultCacheDir(dir string) {
	defaultCache.mu.Lock()
	defaultCache.Dir = dir
	defaultCache.mu.Unlock()
}

// keyMemo remembers the keys of runtime bundles (hashed on every new
// runtime otherwise; a process has one or two). A string's bytes never
// change, so the same data pointer and length is the same source.
var keyMemo sync.Map // memoID -> string

type memoID struct {
	name  string
	data  *byte
	n     int
	strip bool
}

func cacheKey(name, src string, strip bool) string {
	id := memoID{name, unsafe.StringData(src), len(src), strip}
	memo := name == bootstrapName
	if memo {
		if k, ok := keyMemo.Load(id); ok {
			return k.(string)
		}
	}
	h := sha256.New()
	h.Write([]byte(quickjs.Version()))
	h.Write([]byte{0})
	if strip {
		h.Write([]byte("strip\x00"))
	}
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(src))
	k := hex.EncodeToString(h.Sum(nil))
	if memo {
		keyMemo.Store(id, k)
	}
	return k
}

func (c *Cache) get(name, src string, strip bool, compile func() ([]byte, error)) ([]byte, error) {
	key := cacheKey(name, src, strip)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	bc, ok := c.m[key]
	dir := c.Dir
	c.mu.Unlock()
	if ok {
		return bc, nil
	}
	if dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, key+".qbc")); err == nil {
			c.put(key, b)
			return b, nil
		}
	}
	bc, err := compile()
	if err != nil {
		return nil, err
	}
	c.put(key, bc)
	if dir != "" {
		if os.MkdirAll(dir, 0o755) == nil {
			tmp := filepath.Join(dir, key+".tmp")
			if os.WriteFile(tmp, bc, 0o644) == nil {
				_ = os.Rename(tmp, filepath.Join(dir, key+".qbc"))
			}
		}
	}
	return bc, nil
}

func (c *Cache) put(key string, bc []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 1024 { // bound: drop everything rather than grow forever
		c.m = map[string][]byte{}
	}
	c.m[key] = bc
}

// Len reports the number of entries held in memory.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
