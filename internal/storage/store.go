package storage

import (
	"container/list"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// DefaultMaxOpen is StoreOptions.MaxOpen's default.
const DefaultMaxOpen = 256

// StoreOptions configure a Store. The zero value is valid.
type StoreOptions struct {
	// MaxOpen bounds the databases kept open. When a database must be
	// opened and MaxOpen are open, the least recently used idle one is
	// closed. Databases in use are never closed, so the bound is exceeded
	// while more than MaxOpen are in use at once. Default DefaultMaxOpen.
	MaxOpen int
	// DB configures every database the Store opens.
	DB Options
}

// Store manages the databases of all objects under one root directory:
// <root>/<namespace>/<id>.sqlite, plus <root>/alarms.sqlite, the alarm
// index. It is safe for concurrent use by many goroutines; each DB it hands
// out is owned by one goroutine at a time.
type Store struct {
	root   string
	opts   StoreOptions
	alarms *alarmIndex
	dirs   sync.Map // namespace -> true once its directory is durable

	mu     sync.Mutex // guards following
	cond   *sync.Cond // signalled when an entry finishes opening or closing
	open   map[objKey]*entry
	lru    list.List // of *entry with refs == 0, least recently used first
	closed bool
}

type objKey struct{ namespace, id string }

type entry struct {
	key     objKey
	db      *DB
	refs    int
	busy    bool // being opened or closed; wait on Store.cond
	err     error
	lruElem *list.Element
}

// OpenStore opens (creating if needed) a store rooted at root.
func OpenStore(root string, opts StoreOptions) (*Store, error) {
	if opts.MaxOpen <= 0 {
		opts.MaxOpen = DefaultMaxOpen
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("storage: open store %s: %w", root, err)
	}
	if err := syncDir(filepath.Dir(filepath.Clean(root))); err != nil {
		return nil, fmt.Errorf("storage: open store %s: %w", root, err)
	}
	idxPath := filepath.Join(root, "alarms.sqlite")
	_, statErr := os.Stat(idxPath)
	idx, err := openAlarmIndex(idxPath)
	if err != nil {
		return nil, err
	}
	s := &Store{root: root, opts: opts, alarms: idx, open: map[objKey]*entry{}}
	s.cond = sync.NewCond(&s.mu)
	if errors.Is(statErr, os.ErrNotExist) {
		// A restored backup without its index, or a lost index.
		if err := s.RebuildAlarmIndex(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// RebuildAlarmIndex re-creates the alarm index from every object database
// under the root. OpenStore calls it when alarms.sqlite is missing; call it
// after restoring object databases from a backup.
func (s *Store) RebuildAlarmIndex() error {
	files, err := filepath.Glob(filepath.Join(s.root, "*", "*.sqlite"))
	if err != nil {
		return fmt.Errorf("storage: rebuild alarm index: %w", err)
	}
	for _, f := range files {
		ns := filepath.Base(filepath.Dir(f))
		id := strings.TrimSuffix(filepath.Base(f), ".sqlite")
		if !validName(ns) || !validName(id) {
			continue
		}
		db, err := s.Acquire(ns, id)
		if err != nil {
			return fmt.Errorf("storage: rebuild alarm index: %w", err)
		}
		err = s.SyncAlarmIndex(db)
		s.Release(db)
		if err != nil {
			return fmt.Errorf("storage: rebuild alarm index: %w", err)
		}
	}
	return nil
}

// validName reports whether s may be a namespace or id: it becomes a path
// element, so it must be non-empty, short and plain.
func validName(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Path returns the file that holds the object's database.
func (s *Store) Path(namespace, id string) string {
	return filepath.Join(s.root, namespace, id+".sqlite")
}

// Acquire returns the object's database, opening it if needed, for the
// caller's exclusive use until Release. Acquiring an object that another
// goroutine holds returns the same *DB: the actor layer guarantees one
// owner per object.
func (s *Store) Acquire(namespace, id string) (*DB, error) {
	if !validName(namespace) || !validName(id) {
		return nil, fmt.Errorf("storage: acquire %q/%q: invalid name", namespace, id)
	}
	k := objKey{namespace, id}
	s.mu.Lock()
	for {
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		e := s.open[k]
		if e == nil {
			break
		}
		if e.busy {
			s.cond.Wait()
			continue
		}
		if e.lruElem != nil {
			s.lru.Remove(e.lruElem)
			e.lruElem = nil
		}
		e.refs++
		s.mu.Unlock()
		return e.db, nil
	}
	e := &entry{key: k, refs: 1, busy: true}
	s.open[k] = e
	victims := s.evictLocked()
	s.mu.Unlock()

	for _, v := range victims {
		s.closeEntry(v)
	}
	db, err := s.openDB(k)

	s.mu.Lock()
	e.busy = false
	if err != nil {
		delete(s.open, k)
	} else {
		e.db = db
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	return db, err
}

func (s *Store) openDB(k objKey) (*DB, error) {
	if err := s.ensureDir(k.namespace); err != nil {
		return nil, fmt.Errorf("storage: open %s/%s: %w", k.namespace, k.id, err)
	}
	db, err := Open(s.Path(k.namespace, k.id), s.opts.DB)
	if err != nil {
		return nil, err
	}
	db.store, db.namespace, db.id = s, k.namespace, k.id
	return db, nil
}

// ensureDir creates <root>/<namespace> if needed and makes its entry in
// the root durable, so that a power loss cannot take away a namespace whose
// first commit was acknowledged. (SQLite syncs the directory of a new WAL,
// which covers the object's own files.)
func (s *Store) ensureDir(namespace string) error {
	if _, ok := s.dirs.Load(namespace); ok {
		return nil
	}
	dir := filepath.Join(s.root, namespace)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := syncDir(s.root); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	s.dirs.Store(namespace, true)
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// evictLocked picks idle entries to close so that opening one more stays
// within MaxOpen, and marks them busy.
func (s *Store) evictLocked() []*entry {
	var victims []*entry
	for len(s.open) > s.opts.MaxOpen && s.lru.Len() > 0 {
		v := s.lru.Remove(s.lru.Front()).(*entry)
		v.lruElem = nil
		v.busy = true
		victims = append(victims, v)
	}
	return victims
}

func (s *Store) closeEntry(v *entry) {
	err := v.db.Close()
	s.mu.Lock()
	delete(s.open, v.key)
	v.busy = false
	v.err = err
	s.cond.Broadcast()
	s.mu.Unlock()
}

// Release gives the database back. An open transaction is rolled back: the
// owner must Commit before releasing. Once no one holds it, the database
// may be closed to respect MaxOpen.
func (s *Store) Release(db *DB) {
	if db.inTx {
		db.Rollback()
	}
	k := objKey{db.namespace, db.id}
	s.mu.Lock()
	e := s.open[k]
	if e == nil || e.db != db || e.refs == 0 {
		s.mu.Unlock()
		return
	}
	e.refs--
	var victims []*entry
	if e.refs == 0 {
		if db.broken != nil {
			e.busy = true
			victims = append(victims, e)
		} else {
			e.lruElem = s.lru.PushBack(e)
			victims = s.evictLocked()
		}
	}
	s.mu.Unlock()
	for _, v := range victims {
		s.closeEntry(v)
	}
}

// OpenCount reports how many databases are open.
func (s *Store) OpenCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// DueAlarms lists the alarm index entries due at or before until
// (milliseconds since the epoch), earliest first. An entry may be earlier
// than the object's real alarm or stale; the object's own GetAlarm decides.
func (s *Store) DueAlarms(until int64) ([]Alarm, error) {
	out, err := s.alarms.due(until)
	if err != nil {
		return nil, fmt.Errorf("storage: due alarms: %w", err)
	}
	return out, nil
}

// SyncAlarmIndex sets the index entry for an object to its database's
// alarm. The server calls it after waking an object whose entry was early
// or stale.
func (s *Store) SyncAlarmIndex(db *DB) error {
	ms, ok, err := db.GetAlarm()
	if err != nil {
		return err
	}
	return s.alarms.set(db.namespace, db.id, ms, ok)
}

// Close closes every database, in use or not, and the alarm index.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for {
		busy := false
		for _, e := range s.open {
			busy = busy || e.busy
		}
		if !busy {
			break
		}
		s.cond.Wait()
	}
	entries := make([]*entry, 0, len(s.open))
	for _, e := range s.open {
		entries = append(entries, e)
	}
	s.open = map[objKey]*entry{}
	s.lru.Init()
	s.mu.Unlock()
	var errs []error
	for _, e := range entries {
		if err := e.db.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.alarms.close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
