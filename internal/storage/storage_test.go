package storage

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func openTestDB(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "obj.sqlite"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustCommit(t testing.TB, db *DB) Changeset {
	t.Helper()
	cs, err := db.Commit()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return cs
}

func mustExec(t testing.TB, db *DB, q string, args ...Value) *Cursor {
	t.Helper()
	c, err := db.Exec(q, args)
	if err != nil {
		t.Fatalf("Exec(%q) = %v", q, err)
	}
	return c
}

// publicError returns the tenant-visible "Name: Message" of err, or "".
func publicError(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return se.Name + ": " + se.Message
	}
	return ""
}

func TestKV(t *testing.T) {
	db := openTestDB(t, Options{})
	if err := db.Put([]Entry{{"b", []byte("2")}, {"a", []byte("1")}, {"c", []byte("3")}, {"ab", nil}}); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, db)

	got, err := db.Get([]string{"c", "zz", "a"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{"a", []byte("1")}, {"c", []byte("3")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %q; want %q", got, want)
	}

	keys := func(es []Entry) string {
		var ks []string
		for _, e := range es {
			ks = append(ks, e.Key)
		}
		return strings.Join(ks, ",")
	}
	tests := []struct {
		name string
		opts ListOptions
		want string
	}{
		{"all", ListOptions{}, "a,ab,b,c"},
		{"start", ListOptions{Start: "ab"}, "ab,b,c"},
		{"startAfter", ListOptions{StartAfter: "ab"}, "b,c"},
		{"end", ListOptions{End: "b"}, "a,ab"},
		{"prefix", ListOptions{Prefix: "a"}, "a,ab"},
		{"prefix and start inside", ListOptions{Prefix: "a", Start: "ab"}, "ab"},
		{"prefix and start after", ListOptions{Prefix: "a", Start: "b"}, ""},
		{"reverse", ListOptions{Reverse: true}, "c,b,ab,a"},
		{"reverse limit", ListOptions{Reverse: true, Limit: 2}, "c,b"},
		{"limit", ListOptions{Limit: 1}, "a"},
		{"empty range", ListOptions{Start: "c", End: "a"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.List(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if keys(got) != tt.want {
				t.Errorf("List(%+v) = %s; want %s", tt.opts, keys(got), tt.want)
			}
		})
	}

	n, err := db.Delete([]string{"a", "nope", "b"})
	if err != nil || n != 2 {
		t.Errorf("Delete = %d, %v; want 2, nil", n, err)
	}
	mustExec(t, db, "CREATE TABLE t (x)")
	n, err = db.DeleteAll()
	if err != nil || n != 2 {
		t.Errorf("DeleteAll = %d, %v; want 2, nil", n, err)
	}
	mustCommit(t, db)
	if got, _ := db.List(ListOptions{}); len(got) != 0 {
		t.Errorf("List after DeleteAll = %q", got)
	}
	if _, err := db.Exec("SELECT * FROM t", nil); err == nil {
		t.Errorf("table t survived DeleteAll")
	}
}

func TestKV_limits(t *testing.T) {
	db := openTestDB(t, Options{})
	many := make([]string, 129)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	manyEntries := make([]Entry, 129)
	for i := range manyEntries {
		manyEntries[i] = Entry{Key: fmt.Sprint(i)}
	}
	tests := []struct {
		name string
		op   func() error
		want string
	}{
		{"key too large", func() error { return db.Put([]Entry{{strings.Repeat("k", 2049), nil}}) },
			"RangeError: Keys cannot be larger than 2048 bytes. A key of size 2049 was provided."},
		{"key at limit", func() error { return db.Put([]Entry{{strings.Repeat("k", 2048), nil}}) }, ""},
		{"value too large", func() error { return db.Put([]Entry{{"k", make([]byte, 128*1024+35)}}) },
			"RangeError: Values cannot be larger than 131072 bytes. A value of size 131107 was provided."},
		{"value at enforced limit", func() error { return db.Put([]Entry{{"k", make([]byte, 128*1024+34)}}) }, ""},
		{"too many puts", func() error { return db.Put(manyEntries) },
			"RangeError: Maximum number of key value pairs is 128. 129 pairs were provided."},
		{"too many gets", func() error { _, err := db.Get(many); return err },
			"RangeError: Maximum number of key value pairs is 128. 129 pairs were provided."},
		{"too many deletes", func() error { _, err := db.Delete(many); return err },
			"RangeError: Maximum number of key value pairs is 128. 129 pairs were provided."},
		{"get key too large", func() error { _, err := db.Get([]string{strings.Repeat("k", 3000)}); return err },
			"RangeError: Keys cannot be larger than 2048 bytes. A key of size 3000 was provided."},
		{"start and startAfter", func() error { _, err := db.List(ListOptions{Start: "a", StartAfter: "b"}); return err },
			"TypeError: list() cannot be called with both start and startAfter values."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op()
			if got := publicError(err); got != tt.want || (tt.want == "" && err != nil) {
				t.Errorf("error = %q (%v); want %q", got, err, tt.want)
			}
		})
	}
	// A rejected batch wrote nothing.
	if err := db.Put([]Entry{{"ok", []byte("1")}, {strings.Repeat("k", 4096), nil}}); err == nil {
		t.Fatal("Put with one bad key succeeded")
	}
	if got, _ := db.Get([]string{"ok"}); len(got) != 0 {
		t.Errorf("half of a rejected Put was written: %q", got)
	}
}

func TestExec(t *testing.T) {
	db := openTestDB(t, Options{})
	c := mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, f REAL); INSERT INTO t VALUES (1, 'a', x'00ff', 1.5); INSERT INTO t (name) VALUES (?)", "b")
	if c.RowsWritten() != 2 {
		t.Errorf("RowsWritten = %d; want 2", c.RowsWritten())
	}
	c = mustExec(t, db, "SELECT id, name, data, f FROM t ORDER BY id")
	if want := []string{"id", "name", "data", "f"}; !reflect.DeepEqual(c.Columns(), want) {
		t.Errorf("Columns = %q; want %q", c.Columns(), want)
	}
	want := [][]Value{{int64(1), "a", []byte{0, 0xff}, 1.5}, {int64(2), "b", nil, nil}}
	if !reflect.DeepEqual(c.Rows(), want) {
		t.Errorf("Rows = %#v; want %#v", c.Rows(), want)
	}
	if c.RowsRead() != 2 {
		t.Errorf("RowsRead = %d; want 2", c.RowsRead())
	}
	c = mustExec(t, db, "UPDATE t SET name = 'z'")
	if c.RowsWritten() != 2 || c.RowsRead() != 2 {
		t.Errorf("UPDATE rowsRead, rowsWritten = %d, %d; want 2, 2", c.RowsRead(), c.RowsWritten())
	}
	mustExec(t, db, "SELECT 1; -- trailing comment")
	size, err := db.DatabaseSize()
	if err != nil || size <= 0 || size%4096 != 0 {
		t.Errorf("DatabaseSize = %d, %v", size, err)
	}
}

func TestExec_badInput(t *testing.T) {
	db := openTestDB(t, Options{})
	mustExec(t, db, "CREATE TABLE t (a INTEGER PRIMARY KEY)")
	tests := []struct {
		name string
		q    string
		args []Value
		want string
	}{
		{"syntax", "SELEC 1", nil, `Error: near "SELEC": syntax error at offset 0: SQLITE_ERROR`},
		{"no such table", "SELECT * FROM nope", nil, `Error: no such table: nope: SQLITE_ERROR`},
		{"constraint", "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)", nil, `Error: UNIQUE constraint failed: t.a: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)`},
		{"not null", "CREATE TABLE n (a NOT NULL); INSERT INTO n VALUES (NULL)", nil, `Error: NOT NULL constraint failed: n.a: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)`},
		{"create _CF_ table", "CREATE TABLE _CF_other (x)", nil, `Error: not authorized: SQLITE_AUTH`},
		{"read _Cf_kv", "SELECT * FROM _Cf_kv", nil, `Error: access to _cf_KV.key is prohibited: SQLITE_AUTH`},
		{"write _cf_KV", "INSERT INTO _cf_KV VALUES ('k', x'00')", nil, `Error: not authorized: SQLITE_AUTH`},
		{"read _cf_KV", "SELECT * FROM _cf_KV", nil, `Error: access to _cf_KV.key is prohibited: SQLITE_AUTH`},
		{"drop _cf_METADATA", "DROP TABLE _cf_METADATA", nil, `Error: not authorized: SQLITE_AUTH`},
		{"attach", "ATTACH DATABASE '/tmp/x.sqlite' AS x", nil, `Error: not authorized: SQLITE_AUTH`},
		{"begin", "BEGIN TRANSACTION", nil, "Error: " + msgTransactions},
		{"savepoint", "SAVEPOINT x", nil, "Error: " + msgTransactions},
		{"pragma not allowed", "PRAGMA journal_mode=DELETE", nil, `Error: not authorized: SQLITE_AUTH`},
		{"pragma user_version", "PRAGMA user_version", nil, `Error: not authorized: SQLITE_AUTH`},
		{"function not allowed", "SELECT sqlite_version()", nil, `Error: not authorized to use function: sqlite_version at offset 7: SQLITE_ERROR`},
		{"temp table", "CREATE TEMP TABLE x (a)", nil, `Error: not authorized: SQLITE_AUTH`},
		{"bindings count", "SELECT ?", nil, "Error: Wrong number of parameter bindings for SQL query."},
		{"bindings not last", "SELECT ?; SELECT 1", []Value{int64(1)}, "Error: When executing multiple SQL statements in a single call, only the last statement can have parameters."},
		{"empty", "  ", nil, "Error: SQL code did not contain a statement."},
		{"too many bindings", "SELECT " + strings.Repeat("?,", 100) + "?", make([]Value, 101), "Error: too many SQL variables at offset 207: SQLITE_ERROR"},
		{"statement too long", "SELECT '" + strings.Repeat("x", 100_000) + "'", nil, "Error: statement too long at offset 0: SQLITE_TOOBIG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Exec(tt.q, tt.args)
			if got := publicError(err); got != tt.want {
				t.Errorf("Exec(%.40q) error = %q (%v); want %q", tt.q, got, err, tt.want)
			}
		})
	}
	allowed := []string{
		"PRAGMA foreign_keys = off", "PRAGMA foreign_keys", "PRAGMA table_info(t)", "PRAGMA table_list",
		"SELECT json_extract('{\"a\":1}', '$.a')", "SELECT count(*) FROM t", "PRAGMA data_version",
		"CREATE INDEX t_a ON t(a)", "CREATE VIEW v AS SELECT * FROM t",
	}
	for _, q := range allowed {
		t.Run(q, func(t *testing.T) { mustExec(t, db, q) })
	}
	mustCommit(t, db)
	if err := db.IntegrityCheck(); err != nil {
		t.Error(err)
	}
}

func TestTransactions(t *testing.T) {
	db := openTestDB(t, Options{CaptureChanges: true})
	put := func(k, v string) {
		t.Helper()
		if err := db.Put([]Entry{{k, []byte(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	has := func(k string) bool {
		t.Helper()
		es, err := db.Get([]string{k})
		if err != nil {
			t.Fatal(err)
		}
		return len(es) == 1
	}
	put("before", "1")
	// A throwing transaction: the glue rolls back to the savepoint.
	if err := db.Savepoint(); err != nil {
		t.Fatal(err)
	}
	put("inner", "1")
	mustExec(t, db, "CREATE TABLE half (a)")
	if err := db.Savepoint(); err != nil {
		t.Fatal(err)
	}
	put("inner2", "1")
	if err := db.Release(); err != nil {
		t.Fatal(err)
	}
	if err := db.RollbackTo(); err != nil {
		t.Fatal(err)
	}
	if has("inner") || has("inner2") {
		t.Error("rolled back savepoint left writes behind")
	}
	if _, err := db.DeleteAll(); err != nil {
		t.Fatal(err) // not inside a savepoint any more
	}
	put("after", "1")
	cs := mustCommit(t, db)
	schema, _, _ := cs.Decode()
	for _, s := range schema {
		if strings.Contains(s, "half") {
			t.Errorf("rolled back DDL %q in changeset", s)
		}
	}
	if !has("after") || has("before") {
		t.Error("commit lost writes")
	}
	put("gone", "1")
	if err := db.Rollback(); err != nil {
		t.Fatal(err)
	}
	if has("gone") {
		t.Error("Rollback kept a write")
	}
	if err := db.Savepoint(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteAll(); publicError(err) != "Error: Cannot call deleteAll() within a transaction" {
		t.Errorf("DeleteAll in savepoint = %v", err)
	}
	if _, err := db.Commit(); !errors.Is(err, ErrInTransaction) {
		t.Errorf("Commit with savepoint open = %v; want ErrInTransaction", err)
	}
	db.RollbackTo()
	if err := db.Release(); !errors.Is(err, ErrNoSavepoint) {
		t.Errorf("Release without savepoint = %v; want ErrNoSavepoint", err)
	}
}

func TestAlarm(t *testing.T) {
	db := openTestDB(t, Options{})
	if _, ok, _ := db.GetAlarm(); ok {
		t.Fatal("fresh DB has an alarm")
	}
	if err := db.SetAlarm(0); publicError(err) != "TypeError: setAlarm() cannot be called with an alarm time <= 0" {
		t.Errorf("SetAlarm(0) = %v", err)
	}
	if err := db.SetAlarm(1234); err != nil {
		t.Fatal(err)
	}
	db.Rollback()
	if _, ok, _ := db.GetAlarm(); ok {
		t.Error("rolled back alarm is set")
	}
	db.SetAlarm(5678)
	mustCommit(t, db)
	if ms, ok, _ := db.GetAlarm(); !ok || ms != 5678 {
		t.Errorf("GetAlarm = %d, %v; want 5678, true", ms, ok)
	}
	db.DeleteAll()
	mustCommit(t, db)
	if ms, ok, _ := db.GetAlarm(); !ok || ms != 5678 {
		t.Errorf("GetAlarm after DeleteAll = %d, %v; want 5678, true", ms, ok)
	}
	db.DeleteAlarm()
	mustCommit(t, db)
	if _, ok, _ := db.GetAlarm(); ok {
		t.Error("deleted alarm is set")
	}
}

// TestChangeset_replay applies every captured changeset, in order, to an
// empty database and checks that it ends up identical to the original.
func TestChangeset_replay(t *testing.T) {
	src := openTestDB(t, Options{CaptureChanges: true})
	dst := openTestDB(t, Options{})
	var log []Changeset
	step := func(f func()) {
		t.Helper()
		f()
		if cs := mustCommit(t, src); cs != nil {
			log = append(log, bytes.Clone(cs))
		}
	}
	step(func() {
		src.Put([]Entry{{"a", []byte("1")}, {"b", []byte("2")}})
		mustExec(t, src, "CREATE TABLE rowid_t (x, y)") // no PRIMARY KEY: needs OBJCONFIG_ROWID
		mustExec(t, src, "CREATE TABLE pk_t (id TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
		mustExec(t, src, "INSERT INTO rowid_t VALUES (1, 'one'), (2, 'two')")
		src.SetAlarm(99)
	})
	step(func() {
		mustExec(t, src, "INSERT INTO pk_t VALUES ('x', 1), ('y', 2)")
		mustExec(t, src, "UPDATE rowid_t SET y = 'uno' WHERE x = 1")
		src.Delete([]string{"a"})
	})
	step(func() {
		src.Savepoint()
		mustExec(t, src, "DELETE FROM pk_t")
		src.RollbackTo()
		mustExec(t, src, "ALTER TABLE pk_t ADD COLUMN note TEXT")
		mustExec(t, src, "UPDATE pk_t SET note = 'n' WHERE id = 'x'")
		mustExec(t, src, "CREATE INDEX rowid_t_y ON rowid_t (y)")
	})
	step(func() {}) // empty
	step(func() {
		mustExec(t, src, "DELETE FROM rowid_t WHERE x = 2")
		src.DeleteAlarm()
		src.SetAlarm(100)
	})
	if len(log) != 4 {
		t.Errorf("captured %d changesets; want 4", len(log))
	}
	for i, cs := range log {
		if err := ApplyChangeset(dst, cs); err != nil {
			t.Fatalf("ApplyChangeset #%d: %v", i, err)
		}
	}
	if a, b := dump(t, src), dump(t, dst); a != b {
		t.Errorf("replica differs:\n--- source\n%s\n--- replica\n%s", a, b)
	}
}

// dump renders the schema and every row of every table, trusted.
func dump(t testing.TB, db *DB) string {
	t.Helper()
	var sb strings.Builder
	var tables []string
	c := mustExec(t, db, "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE '_cf_%' ORDER BY name")
	for _, r := range c.Rows() {
		fmt.Fprintf(&sb, "%v\n", r)
		if r[0] == "table" {
			tables = append(tables, r[1].(string))
		}
	}
	for _, tab := range append(tables, "_cf_KV", "_cf_METADATA") {
		db.auth.trusted = true
		stmtRows, err := func() ([][]Value, error) {
			defer func() { db.auth.trusted = true }()
			cur := new(Cursor)
			stmt, _, err := db.conn.PrepareTransient("SELECT * FROM " + quoteIdent(tab) + " ORDER BY 1")
			if err != nil {
				return nil, err
			}
			defer stmt.Finalize()
			err = db.runStmt(stmt, true, nil, cur, false)
			return cur.rows, err
		}()
		if err != nil {
			t.Fatalf("dump %s: %v", tab, err)
		}
		fmt.Fprintf(&sb, "%s: %v\n", tab, stmtRows)
	}
	db.Rollback()
	return sb.String()
}
