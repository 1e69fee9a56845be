package storage

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkCommit measures one durable single-row transaction per
// iteration on one object.
func BenchmarkCommit(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"capture", Options{CaptureChanges: true}},
		{"nocapture", Options{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			db := openTestDB(b, tc.opts)
			mustExec(b, db, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
			mustCommit(b, db)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := db.Exec("INSERT INTO counter VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET n = excluded.n", []Value{int64(i)}); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCommitParallel measures durable single-row transactions on 64
// objects committing concurrently, each owned by its own goroutine.
func BenchmarkCommitParallel(b *testing.B) {
	const objects = 64
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"capture", Options{CaptureChanges: true}},
		{"nocapture", Options{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := OpenStore(filepath.Join(b.TempDir(), "root"), StoreOptions{MaxOpen: objects, DB: tc.opts})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			dbs := make([]*DB, objects)
			for i := range dbs {
				if dbs[i], err = s.Acquire("ns", fmt.Sprint(i)); err != nil {
					b.Fatal(err)
				}
				mustExec(b, dbs[i], "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
				mustCommit(b, dbs[i])
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for _, db := range dbs {
				wg.Go(func() {
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						if _, err := db.Exec("INSERT INTO counter VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET n = excluded.n", []Value{i}); err != nil {
							b.Error(err)
							return
						}
						if _, err := db.Commit(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			for _, db := range dbs {
				s.Release(db)
			}
		})
	}
}

// BenchmarkKVPut measures a coalesced KV put plus commit.
func BenchmarkKVPut(b *testing.B) {
	db := openTestDB(b, Options{})
	v := make([]byte, 100)
	b.ReportAllocs()
	for i := range b.N {
		v[0], v[1] = byte(i), byte(i>>8) // a changed value: an identical one writes no page
		if err := db.Put([]Entry{{fmt.Sprint(i % 1000), v}}); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
