package storage

import (
	"path/filepath"
	"sync"
	"testing"
)

func TestCommitDeferred(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.sqlite")
	db, err := Open(path, Options{DeferSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY)", nil); err != nil {
		t.Fatal(err)
	}
	_, wait, err := db.CommitDeferred()
	if err != nil || wait == nil {
		t.Fatalf("CommitDeferred = %v, wait %v; want a wait func", err, wait != nil)
	}
	if err := wait(); err != nil {
		t.Fatalf("wait: %v", err)
	}
	// Nothing to commit: no wait.
	if _, wait, err := db.CommitDeferred(); err != nil || wait != nil {
		t.Errorf("empty CommitDeferred = %v, wait %v; want nil, nil", err, wait != nil)
	}
	// Many commits, waited on concurrently from other goroutines.
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		if _, err := db.Exec("INSERT INTO t VALUES (?)", []Value{int64(i)}); err != nil {
			t.Fatal(err)
		}
		_, wait, err := db.CommitDeferred()
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs <- wait() }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
	}
	// A wait that outlives Close succeeds: closing checkpoints durably.
	db.Exec("INSERT INTO t VALUES (1000)", nil)
	_, wait, _ = db.CommitDeferred()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Errorf("wait after Close: %v", err)
	}
	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	cur, err := db2.Exec("SELECT count(*) FROM t", nil)
	if err != nil {
		t.Fatal(err)
	}
	if row, _ := cur.Next(); row[0] != int64(201) {
		t.Errorf("rows after reopen = %v; want 201", row[0])
	}
}

func TestCommitWithoutDeferSyncHasNoWait(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "f.sqlite"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Exec("CREATE TABLE t (k)", nil)
	if _, wait, err := db.CommitDeferred(); err != nil || wait != nil {
		t.Errorf("CommitDeferred with synchronous=FULL = %v, wait %v; want nil, nil", err, wait != nil)
	}
}

// BenchmarkCommitDeferred: the owner's cost of a commit when durability is
// awaited elsewhere, and the cost when every commit is awaited at once.
func BenchmarkCommitDeferred(b *testing.B) {
	for _, tc := range []struct {
		name  string
		await bool
	}{{"owner-only", false}, {"await-each", true}} {
		b.Run(tc.name, func(b *testing.B) {
			db, err := Open(filepath.Join(b.TempDir(), "b.sqlite"), Options{DeferSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.Exec("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)", nil)
			db.Commit()
			var last func() error
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := db.Exec("INSERT INTO counter VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET n = excluded.n", []Value{int64(i)}); err != nil {
					b.Fatal(err)
				}
				_, wait, err := db.CommitDeferred()
				if err != nil {
					b.Fatal(err)
				}
				if tc.await {
					if err := wait(); err != nil {
						b.Fatal(err)
					}
				}
				last = wait
			}
			if last != nil {
				last()
			}
		})
	}
}

func TestName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.sqlite")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.Name(); ok || err != nil {
		t.Fatalf("Name of a new DB = %v, %v; want none", ok, err)
	}
	if err := db.SetName("room-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, ok, err := db.Name(); n != "room-1" || !ok || err != nil {
		t.Errorf("Name after reopen = %q, %v, %v; want room-1", n, ok, err)
	}
}
