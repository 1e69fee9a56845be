package storage

import (
	"fmt"
	"slices"
	"strings"
)

// workerd's KV limits (ActorStorageLimits and rpc::ActorStorage::MAX_KEYS).
const (
	// MaxKeySize is the largest key, in bytes.
	MaxKeySize = 2048
	// MaxValueSize is the advertised largest value, in bytes.
	MaxValueSize = 128 * 1024
	// maxValueSizeEnforced leaves room for the serializer's header, as
	// workerd does (ENFORCED_MAX_VALUE_SIZE).
	maxValueSizeEnforced = MaxValueSize + 34
	// MaxKeys is the most keys one get, put or delete may name.
	MaxKeys = 128
)

// Entry is one key and its serialized value.
type Entry struct {
	Key   string
	Value []byte
}

func checkKey(key string) error {
	if len(key) > MaxKeySize {
		return rangeError("Keys cannot be larger than %d bytes. A key of size %d was provided.", MaxKeySize, len(key))
	}
	return nil
}

func checkValue(v []byte) error {
	if len(v) > maxValueSizeEnforced {
		return rangeError("Values cannot be larger than %d bytes. A value of size %d was provided.", MaxValueSize, len(v))
	}
	return nil
}

func checkCount(n int) error {
	if n > MaxKeys {
		return rangeError("Maximum number of key value pairs is %d. %d pairs were provided.", MaxKeys, n)
	}
	return nil
}

// Get returns the entries for the keys that exist, sorted by key, as
// workerd's get([keys]) does. A single-key get is Get with one key.
func (db *DB) Get(keys []string) ([]Entry, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if err := checkCount(len(keys)); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return nil, err
		}
	}
	stmt, err := db.conn.Prepare("SELECT value FROM _cf_KV WHERE key = $k")
	if err != nil {
		return nil, fmt.Errorf("storage: get %s: %w", db.path, err)
	}
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		stmt.SetText("$k", k)
		row, err := stmt.Step()
		if err != nil {
			stmt.Reset()
			return nil, fmt.Errorf("storage: get %s: %w", db.path, err)
		}
		if row {
			v := make([]byte, stmt.ColumnLen(0))
			stmt.ColumnBytes(0, v)
			out = append(out, Entry{Key: k, Value: v})
		}
		stmt.Reset()
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return slices.CompactFunc(out, func(a, b Entry) bool { return a.Key == b.Key }), nil
}

// Put writes the entries inside the implicit transaction. Every limit is
// checked before anything is written.
func (db *DB) Put(entries []Entry) error {
	if err := db.usable(); err != nil {
		return err
	}
	if err := checkCount(len(entries)); err != nil {
		return err
	}
	for _, e := range entries {
		if err := checkKey(e.Key); err != nil {
			return err
		}
		if err := checkValue(e.Value); err != nil {
			return err
		}
	}
	if err := db.Begin(); err != nil {
		return err
	}
	stmt, err := db.conn.Prepare("INSERT INTO _cf_KV (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
	if err != nil {
		return fmt.Errorf("storage: put %s: %w", db.path, err)
	}
	if len(entries) > 1 {
		if err := db.execTrusted("SAVEPOINT _cf_put_multiple_savepoint"); err != nil {
			return fmt.Errorf("storage: put %s: %w", db.path, err)
		}
	}
	for _, e := range entries {
		stmt.SetText("$k", e.Key)
		v := e.Value
		if v == nil {
			v = []byte{}
		}
		stmt.SetBytes("$v", v)
		_, err := stmt.Step()
		stmt.Reset()
		if err != nil {
			if len(entries) > 1 {
				db.execTrusted("ROLLBACK TO _cf_put_multiple_savepoint")
				db.execTrusted("RELEASE _cf_put_multiple_savepoint")
			}
			return fmt.Errorf("storage: put %s: %w", db.path, err)
		}
	}
	if len(entries) > 1 {
		if err := db.execTrusted("RELEASE _cf_put_multiple_savepoint"); err != nil {
			return fmt.Errorf("storage: put %s: %w", db.path, err)
		}
	}
	return nil
}

// Delete removes the keys inside the implicit transaction and reports how
// many existed.
func (db *DB) Delete(keys []string) (int, error) {
	if err := db.usable(); err != nil {
		return 0, err
	}
	if err := checkCount(len(keys)); err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return 0, err
		}
	}
	if err := db.Begin(); err != nil {
		return 0, err
	}
	stmt, err := db.conn.Prepare("DELETE FROM _cf_KV WHERE key = $k")
	if err != nil {
		return 0, fmt.Errorf("storage: delete %s: %w", db.path, err)
	}
	n := 0
	for _, k := range keys {
		stmt.SetText("$k", k)
		_, err := stmt.Step()
		stmt.Reset()
		if err != nil {
			return n, fmt.Errorf("storage: delete %s: %w", db.path, err)
		}
		n += db.conn.Changes()
	}
	return n, nil
}

// ListOptions select a key range, as in workerd's list().
type ListOptions struct {
	Start      string // first key, inclusive
	StartAfter string // first key, exclusive; not with Start
	End        string // last key, exclusive; "" for none
	Prefix     string // only keys with this prefix
	Reverse    bool   // descending order
	Limit      int    // at most this many entries; 0 for no limit
}

// List returns the entries in the range, in key order (descending if
// Reverse), at most Limit of them.
func (db *DB) List(o ListOptions) ([]Entry, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if o.Start != "" && o.StartAfter != "" {
		return nil, &Error{Name: "TypeError", Message: "list() cannot be called with both start and startAfter values."}
	}
	if o.Limit < 0 {
		return nil, &Error{Name: "TypeError", Message: "List limit must be positive."}
	}
	start, startIncl := o.Start, true
	if o.StartAfter != "" {
		start, startIncl = o.StartAfter, false
	}
	end, hasEnd := o.End, o.End != ""
	if p := o.Prefix; p != "" {
		if start < p {
			start, startIncl = p, true
		} else if !strings.HasPrefix(start, p) {
			return nil, nil
		}
		if after, ok := prefixEnd(p); ok {
			if !hasEnd || end > after {
				end, hasEnd = after, true
			} else if end <= p {
				return nil, nil
			}
		}
	}
	if hasEnd && end <= start {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString("SELECT key, value FROM _cf_KV WHERE key ")
	if startIncl {
		q.WriteString(">= $start")
	} else {
		q.WriteString("> $start")
	}
	if hasEnd {
		q.WriteString(" AND key < $end")
	}
	if o.Reverse {
		q.WriteString(" ORDER BY key DESC")
	} else {
		q.WriteString(" ORDER BY key")
	}
	if o.Limit > 0 {
		q.WriteString(" LIMIT $limit")
	}
	stmt, err := db.conn.Prepare(q.String())
	if err != nil {
		return nil, fmt.Errorf("storage: list %s: %w", db.path, err)
	}
	defer stmt.Reset()
	stmt.SetText("$start", start)
	if hasEnd {
		stmt.SetText("$end", end)
	}
	if o.Limit > 0 {
		stmt.SetInt64("$limit", int64(o.Limit))
	}
	var out []Entry
	for {
		row, err := stmt.Step()
		if err != nil {
			return nil, fmt.Errorf("storage: list %s: %w", db.path, err)
		}
		if !row {
			return out, nil
		}
		v := make([]byte, stmt.ColumnLen(1))
		stmt.ColumnBytes(1, v)
		out = append(out, Entry{Key: stmt.ColumnText(0), Value: v})
	}
}

// prefixEnd returns the smallest string greater than every string with
// prefix p, or false if there is none (p is all 0xff bytes).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

// DeleteAll empties the object's storage as workerd's deleteAll() does on
// SQLite-backed objects: every KV entry and every table, index, view and
// trigger the tenant created, keeping the alarm. It reports the number of
// KV entries deleted. It is refused inside a savepoint, as in workerd.
func (db *DB) DeleteAll() (int, error) {
	if err := db.usable(); err != nil {
		return 0, err
	}
	if len(db.marks) > 0 {
		return 0, jsError("Cannot call deleteAll() within a transaction")
	}
	if err := db.Begin(); err != nil {
		return 0, err
	}
	var n int
	stmt, err := db.conn.Prepare("SELECT count(*) FROM _cf_KV")
	if err != nil {
		return 0, fmt.Errorf("storage: delete all %s: %w", db.path, err)
	}
	if _, err := stmt.Step(); err != nil {
		stmt.Reset()
		return 0, fmt.Errorf("storage: delete all %s: %w", db.path, err)
	}
	n = stmt.ColumnInt(0)
	stmt.Reset()
	// Views and triggers first, then tables (which drops their indexes).
	type obj struct{ typ, name string }
	var objs []obj
	q, err := db.conn.Prepare(`SELECT type, name FROM sqlite_schema
		WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\'
		AND type IN ('view', 'trigger', 'table')
		ORDER BY CASE type WHEN 'view' THEN 0 WHEN 'trigger' THEN 1 ELSE 2 END`)
	if err != nil {
		return 0, fmt.Errorf("storage: delete all %s: %w", db.path, err)
	}
	for {
		row, err := q.Step()
		if err != nil {
			q.Reset()
			return 0, fmt.Errorf("storage: delete all %s: %w", db.path, err)
		}
		if !row {
			break
		}
		objs = append(objs, obj{q.ColumnText(0), q.ColumnText(1)})
	}
	q.Reset()
	if len(objs) > 0 {
		db.execTrusted("PRAGMA defer_foreign_keys=ON")
	}
	for _, o := range objs {
		s := "DROP " + strings.ToUpper(o.typ) + " IF EXISTS " + quoteIdent(o.name)
		if err := db.execOnce(s); err != nil {
			return 0, fmt.Errorf("storage: delete all %s: %w", db.path, err)
		}
		db.ddl = append(db.ddl, s)
	}
	if err := db.execTrusted("DELETE FROM _cf_KV"); err != nil {
		return 0, fmt.Errorf("storage: delete all %s: %w", db.path, err)
	}
	return n, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
