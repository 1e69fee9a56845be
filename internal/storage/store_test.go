package storage

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

func openTestStore(t testing.TB, opts StoreOptions) (*Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := OpenStore(root, opts)
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, root
}

func TestStore_names(t *testing.T) {
	s, _ := openTestStore(t, StoreOptions{})
	for _, name := range []string{"", "..", "../x", "a/b", ".hidden", "x\x00"} {
		if db, err := s.Acquire("ns", name); err == nil {
			s.Release(db)
			t.Errorf("Acquire(ns, %q) succeeded", name)
		}
	}
}

func TestStore_lru(t *testing.T) {
	s, _ := openTestStore(t, StoreOptions{MaxOpen: 2})
	var held []*DB
	for i := range 4 {
		db, err := s.Acquire("ns", fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, db)
	}
	if n := s.OpenCount(); n != 4 {
		t.Errorf("OpenCount with 4 held = %d; want 4 (in-use databases are never closed)", n)
	}
	for _, db := range held {
		s.Release(db)
	}
	if n := s.OpenCount(); n != 2 {
		t.Errorf("OpenCount after release = %d; want 2", n)
	}
	// Data survives eviction.
	db, _ := s.Acquire("ns", "0")
	db.Put([]Entry{{"k", []byte("v")}})
	mustCommit(t, db)
	s.Release(db)
	for i := range 3 {
		d, _ := s.Acquire("other", fmt.Sprint(i))
		s.Release(d)
	}
	db, _ = s.Acquire("ns", "0")
	defer s.Release(db)
	if got, _ := db.Get([]string{"k"}); len(got) != 1 {
		t.Errorf("write lost across eviction: %q", got)
	}
}

func TestStore_alarmIndex(t *testing.T) {
	for _, capture := range []bool{true, false} {
		t.Run(fmt.Sprint("capture=", capture), func(t *testing.T) {
			s, root := openTestStore(t, StoreOptions{DB: Options{CaptureChanges: capture}})
			set := func(id string, f func(db *DB)) {
				t.Helper()
				db, err := s.Acquire("ns", id)
				if err != nil {
					t.Fatal(err)
				}
				f(db)
				mustCommit(t, db)
				s.Release(db)
			}
			set("a", func(db *DB) { db.SetAlarm(300) })
			set("b", func(db *DB) { db.SetAlarm(100) })
			set("c", func(db *DB) { db.SetAlarm(200) })
			set("c", func(db *DB) { db.DeleteAlarm() })
			set("a", func(db *DB) { db.SetAlarm(50) })
			set("b", func(db *DB) { db.SetAlarm(400) })
			set("d", func(db *DB) { db.Put([]Entry{{"k", nil}}) })
			s.Close()

			s2, err := OpenStore(root, StoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			got, err := s2.DueAlarms(1000)
			if err != nil {
				t.Fatal(err)
			}
			want := []Alarm{{"ns", "a", 50}, {"ns", "b", 400}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("DueAlarms(1000) = %v; want %v", got, want)
			}
			if got, _ := s2.DueAlarms(100); len(got) != 1 {
				t.Errorf("DueAlarms(100) = %v; want only a", got)
			}
			s2.Close()

			// A restored backup without alarms.sqlite: OpenStore rebuilds it.
			for _, f := range []string{"alarms.sqlite", "alarms.sqlite-wal", "alarms.sqlite-shm"} {
				os.Remove(filepath.Join(root, f))
			}
			s3, err := OpenStore(root, StoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s3.Close()
			if got, _ := s3.DueAlarms(1000); !reflect.DeepEqual(got, want) {
				t.Errorf("DueAlarms after rebuild = %v; want %v", got, want)
			}
		})
	}
}

// TestStore_hammer runs many goroutines over many objects with a small
// open-database bound; each object has one owner at a time, as the actor
// layer guarantees, and counts its own commits.
func TestStore_hammer(t *testing.T) {
	for _, capture := range []bool{true, false} {
		t.Run(fmt.Sprint("capture=", capture), func(t *testing.T) {
			s, _ := openTestStore(t, StoreOptions{MaxOpen: 4, DB: Options{CaptureChanges: capture}})
			const objects, workers, rounds = 24, 12, 25
			locks := make([]sync.Mutex, objects) // one owner per object
			counts := make([]int, objects)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 1))
					for range rounds {
						o := r.IntN(objects)
						locks[o].Lock()
						db, err := s.Acquire("ns", fmt.Sprint(o))
						if err != nil {
							t.Error(err)
							locks[o].Unlock()
							return
						}
						counts[o]++
						if err := db.Put([]Entry{{"n", fmt.Appendf(nil, "%d", counts[o])}}); err != nil {
							t.Error(err)
						}
						if _, err := db.Exec("CREATE TABLE IF NOT EXISTS log (n INTEGER); INSERT INTO log VALUES (?)", []Value{int64(counts[o])}); err != nil {
							t.Error(err)
						}
						if r.IntN(5) == 0 {
							db.SetAlarm(int64(1000 + o))
						}
						if _, err := db.Commit(); err != nil {
							t.Error(err)
						}
						s.Release(db)
						locks[o].Unlock()
					}
				})
			}
			wg.Wait()
			for o := range objects {
				db, err := s.Acquire("ns", fmt.Sprint(o))
				if err != nil {
					t.Fatal(err)
				}
				c := mustExec(t, db, "SELECT count(*) FROM log")
				if counts[o] > 0 {
					if n := c.Rows()[0][0].(int64); n != int64(counts[o]) {
						t.Errorf("object %d: %d log rows; want %d", o, n, counts[o])
					}
				}
				if err := db.IntegrityCheck(); err != nil {
					t.Error(err)
				}
				db.Rollback()
				s.Release(db)
			}
			if n := s.OpenCount(); n > 4 {
				t.Errorf("OpenCount = %d; want <= 4", n)
			}
		})
	}
}
