package storage

import (
	"path/filepath"
	"strings"
	"testing"

	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"
)

func TestExec_pragmaFunctionsAndFTS(t *testing.T) {
	db := openTestDB(t, Options{})
	for _, tt := range []struct {
		q    string
		deny bool
	}{
		{"SELECT * FROM pragma_table_info('_cf_KV')", true},
		{"SELECT * FROM pragma_table_xinfo('_cf_KV')", true},
		{"PRAGMA table_xinfo(_cf_KV)", true},
		{"SELECT * FROM pragma_journal_mode", true},
		{"CREATE VIRTUAL TABLE f USING fts5(body)", false},
		{"INSERT INTO f VALUES ('hello world'), ('bye')", false},
		{"SELECT body FROM f WHERE f MATCH 'hello'", false},
		{"CREATE VIRTUAL TABLE r USING rtree(id, a, b)", true},
		{"CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id))", false},
		{"INSERT INTO c VALUES (7)", true}, // foreign keys are on
	} {
		t.Run(tt.q, func(t *testing.T) {
			_, err := db.Exec(tt.q, nil)
			if (err != nil) != tt.deny {
				t.Errorf("Exec(%q) = %v; want denied %v", tt.q, err, tt.deny)
			}
		})
	}
	c := mustExec(t, db, "SELECT body FROM f WHERE f MATCH 'hello'")
	if len(c.Rows()) != 1 {
		t.Errorf("fts5 match rows = %v", c.Rows())
	}
	mustCommit(t, db)
	if _, err := db.DeleteAll(); err != nil {
		t.Fatalf("DeleteAll with fts5 and foreign keys: %v", err)
	}
	mustCommit(t, db)
	c = mustExec(t, db, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
	if n := c.Rows()[0][0]; n != int64(0) {
		t.Errorf("%v schema objects left after DeleteAll", n)
	}
	if err := db.IntegrityCheck(); err != nil {
		t.Error(err)
	}
}

func TestApplyChangeset_conflict(t *testing.T) {
	src := openTestDB(t, Options{CaptureChanges: true})
	dst := openTestDB(t, Options{})
	src.Put([]Entry{{"a", []byte("1")}})
	cs1 := mustCommit(t, src)
	src.Put([]Entry{{"a", []byte("2")}, {"b", []byte("3")}})
	cs2 := mustCommit(t, src)
	if err := ApplyChangeset(dst, cs2); err == nil {
		t.Fatal("applying a changeset out of order succeeded")
	}
	if got, _ := dst.List(ListOptions{}); len(got) != 0 {
		t.Errorf("failed apply left %q behind", got)
	}
	for _, cs := range []Changeset{cs1, cs2} {
		if err := ApplyChangeset(dst, cs); err != nil {
			t.Fatal(err)
		}
	}
	if err := ApplyChangeset(dst, Changeset{9}); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("bad version: %v", err)
	}
	if got, _ := dst.List(ListOptions{}); len(got) != 2 || string(got[0].Value) != "2" {
		t.Errorf("replica = %q", got)
	}
}

func TestCommit_noCapture(t *testing.T) {
	db := openTestDB(t, Options{})
	db.Put([]Entry{{"a", nil}})
	if cs := mustCommit(t, db); cs != nil {
		t.Errorf("Commit with capture off = %x; want nil", cs)
	}
	if cs, err := db.Commit(); cs != nil || err != nil {
		t.Errorf("Commit without transaction = %x, %v", cs, err)
	}
}

func TestExec_statementCache(t *testing.T) {
	db := openTestDB(t, Options{})
	mustExec(t, db, "CREATE TABLE t (a INTEGER PRIMARY KEY, b)")
	const ins = "INSERT INTO t VALUES (?, ?)"
	for i := range 5 {
		if c := mustExec(t, db, ins, int64(i), "x"); c.RowsWritten() != 1 {
			t.Errorf("cached INSERT RowsWritten = %d; want 1", c.RowsWritten())
		}
	}
	if _, err := db.Exec(ins, []Value{int64(0), "dup"}); publicError(err) != "Error: UNIQUE constraint failed: t.a: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)" {
		t.Errorf("cached INSERT duplicate = %v", err)
	}
	if _, err := db.Exec(ins, nil); publicError(err) != "Error: Wrong number of parameter bindings for SQL query." {
		t.Errorf("cached INSERT without bindings = %v", err)
	}
	c := mustExec(t, db, "SELECT count(*) FROM t")
	if n := c.Rows()[0][0]; n != int64(5) {
		t.Errorf("count = %v; want 5", n)
	}
	// The schema changes under a cached statement.
	mustExec(t, db, "DROP TABLE t")
	if _, err := db.Exec(ins, []Value{int64(1), "x"}); publicError(err) != "Error: no such table: t: SQLITE_ERROR" {
		t.Errorf("cached INSERT after DROP = %v", err)
	}
	// Eviction keeps the cache bounded.
	for i := range 200 {
		mustExec(t, db, "SELECT '"+strings.Repeat("x", 10_000)+"', ?", int64(i))
	}
	if db.stmts.size > stmtCacheMaxSize {
		t.Errorf("statement cache holds %d bytes of SQL; want <= %d", db.stmts.size, stmtCacheMaxSize)
	}
}

// TestBackup_whileRunning takes a backup with VACUUM INTO from a second
// connection while the object's DB is open and mid-transaction, as
// docs/storage.md recommends.
func TestBackup_whileRunning(t *testing.T) {
	db := openTestDB(t, Options{})
	db.Put([]Entry{{"committed", []byte("1")}})
	mustCommit(t, db)
	db.Put([]Entry{{"pending", []byte("2")}}) // open implicit transaction

	other, err := sqlite.OpenConn(db.Path(), sqlite.OpenReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "backup.sqlite")
	if err := sqlitex.ExecuteTransient(other, "VACUUM INTO '"+dest+"'", nil); err != nil {
		t.Fatalf("VACUUM INTO: %v", err)
	}
	other.Close()
	mustCommit(t, db)

	b, err := Open(dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, _ := b.List(ListOptions{})
	if len(got) != 1 || got[0].Key != "committed" {
		t.Errorf("backup holds %q; want only the committed entry", got)
	}
	if err := b.IntegrityCheck(); err != nil {
		t.Error(err)
	}
}

func TestExec_duplicateColumnNames(t *testing.T) {
	db := openTestDB(t, Options{})
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"SELECT 1 AS x, 2 AS x", []string{"x", "x"}},
		{"SELECT 1 AS x, 2 AS y, 3 AS x", []string{"x", "y", "x"}},
		{"SELECT 1, 1 + 1, 'a' || 'b'", []string{"1", "1 + 1", "'a' || 'b'"}},
	} {
		t.Run(tt.q, func(t *testing.T) {
			c := mustExec(t, db, tt.q)
			if got := c.Columns(); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("columns = %q; want %q", got, tt.want)
			}
		})
	}
}
