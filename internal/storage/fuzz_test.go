package storage

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// decodeBindings turns fuzz bytes into bindings: a type byte, then the value.
func decodeBindings(b []byte) []Value {
	var out []Value
	for len(b) > 0 && len(out) < 120 {
		t := b[0] % 5
		b = b[1:]
		switch t {
		case 0:
			out = append(out, nil)
		case 1, 2:
			var x uint64
			if len(b) >= 8 {
				x = binary.LittleEndian.Uint64(b)
				b = b[8:]
			}
			if t == 1 {
				out = append(out, int64(x))
			} else {
				out = append(out, math.Float64frombits(x))
			}
		case 3, 4:
			n := 0
			if len(b) > 0 {
				n = int(b[0]) % 40
				b = b[1:]
			}
			n = min(n, len(b))
			if t == 3 {
				out = append(out, string(b[:n]))
			} else {
				out = append(out, bytes.Clone(b[:n]))
			}
			b = b[n:]
		}
	}
	return out
}

// FuzzExecBindings runs arbitrary SQL with arbitrary bindings: it must
// never panic, never touch the internal tables, and never corrupt the file.
func FuzzExecBindings(f *testing.F) {
	for _, q := range []string{
		"SELECT ?", "SELEC 1", "INSERT INTO t VALUES (?, ?)", "CREATE TABLE u (a PRIMARY KEY, b); INSERT INTO u VALUES (?, ?)",
		"INSERT INTO _cf_KV VALUES (?, ?)", "DELETE FROM _cf_METADATA", "ATTACH ? AS x", "BEGIN", "PRAGMA writable_schema=ON",
		"UPDATE t SET b = ? WHERE a = ?", "SELECT * FROM t WHERE b LIKE ?", "DROP TABLE t", "SELECT load_extension(?)",
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM _cf_KV; END", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ?) SELECT count(*) FROM c",
		"CREATE VIRTUAL TABLE f USING fts5(body); INSERT INTO f VALUES (?)", "SELECT zeroblob(?)", "PRAGMA table_info(?)",
	} {
		f.Add(q, []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 3, 'a', 'b', 'c'}, false)
	}
	f.Fuzz(func(t *testing.T, query string, raw []byte, rollback bool) {
		db := openTestDB(t, Options{CaptureChanges: rollback})
		if err := db.Put([]Entry{{"sentinel", []byte("v")}}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAlarm(42); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, "CREATE TABLE t (a INTEGER PRIMARY KEY, b)")
		mustCommit(t, db)

		done := make(chan struct{})
		timer := time.AfterFunc(200*time.Millisecond, func() { close(done) })
		db.SetInterrupt(done)
		bindings := decodeBindings(raw)
		db.Exec(query, bindings)
		db.Exec(query, bindings) // again, through the statement cache
		timer.Stop()
		db.SetInterrupt(nil)
		if rollback {
			db.Rollback()
		} else if _, err := db.Commit(); err != nil {
			t.Fatalf("Commit after Exec(%q): %v", query, err)
		}
		if err := db.IntegrityCheck(); err != nil {
			t.Fatalf("after Exec(%q): %v", query, err)
		}
		got, err := db.Get([]string{"sentinel"})
		if err != nil || len(got) != 1 || string(got[0].Value) != "v" {
			t.Fatalf("after Exec(%q): sentinel = %q, %v", query, got, err)
		}
		if ms, ok, err := db.GetAlarm(); err != nil || !ok || ms != 42 {
			t.Fatalf("after Exec(%q): alarm = %d, %v, %v", query, ms, ok, err)
		}
	})
}
