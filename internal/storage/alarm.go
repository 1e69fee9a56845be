package storage

import (
	"fmt"
	"sync"

	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"
)

// The alarm lives in _cf_METADATA under this key, as in workerd
// (SqliteMetadata): value is the time in milliseconds since the epoch.
const metaAlarm = 1

// SetAlarm sets the object's alarm to ms (milliseconds since the Unix
// epoch) inside the implicit transaction, so it commits atomically with the
// writes around it. Moving times in the past up to now is the caller's job,
// as it owns the clock.
func (db *DB) SetAlarm(ms int64) error {
	if ms <= 0 {
		return &Error{Name: "TypeError", Message: "setAlarm() cannot be called with an alarm time <= 0"}
	}
	if err := db.Begin(); err != nil {
		return err
	}
	stmt, err := db.conn.Prepare("INSERT INTO _cf_METADATA (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
	if err != nil {
		return fmt.Errorf("storage: set alarm %s: %w", db.path, err)
	}
	stmt.SetInt64("$k", metaAlarm)
	stmt.SetInt64("$v", ms)
	if _, err := stmt.Step(); err != nil {
		stmt.Reset()
		return fmt.Errorf("storage: set alarm %s: %w", db.path, err)
	}
	stmt.Reset()
	db.alarmSet = true
	return nil
}

// DeleteAlarm removes the object's alarm inside the implicit transaction.
func (db *DB) DeleteAlarm() error {
	if err := db.Begin(); err != nil {
		return err
	}
	stmt, err := db.conn.Prepare("DELETE FROM _cf_METADATA WHERE key = $k")
	if err != nil {
		return fmt.Errorf("storage: delete alarm %s: %w", db.path, err)
	}
	stmt.SetInt64("$k", metaAlarm)
	if _, err := stmt.Step(); err != nil {
		stmt.Reset()
		return fmt.Errorf("storage: delete alarm %s: %w", db.path, err)
	}
	stmt.Reset()
	db.alarmSet = true
	return nil
}

// GetAlarm returns the object's alarm as the open transaction sees it.
func (db *DB) GetAlarm() (ms int64, ok bool, err error) {
	if err := db.usable(); err != nil {
		return 0, false, err
	}
	stmt, err := db.conn.Prepare("SELECT value FROM _cf_METADATA WHERE key = $k")
	if err != nil {
		return 0, false, fmt.Errorf("storage: get alarm %s: %w", db.path, err)
	}
	stmt.SetInt64("$k", metaAlarm)
	defer stmt.Reset()
	row, err := stmt.Step()
	if err != nil {
		return 0, false, fmt.Errorf("storage: get alarm %s: %w", db.path, err)
	}
	if !row || stmt.ColumnType(0) == sqlite.TypeNull {
		return 0, false, nil
	}
	return stmt.ColumnInt64(0), true, nil
}

// Alarm is one entry of the alarm index.
type Alarm struct {
	Namespace string
	ID        string
	Time      int64 // milliseconds since the Unix epoch
}

// alarmIndex is <root>/alarms.sqlite: for every object with an alarm, a
// time no later than that alarm. It lets the server find due alarms after a
// restart without opening every object's database.
//
// Invariant: whenever an object's database holds a committed alarm A, the
// index holds a time <= A for it. Commit keeps it by lowering the index
// entry durably before the object's COMMIT when the new alarm is earlier
// (lower), and setting it exactly after (set). A crash between the two
// leaves the index early or stale, never late: the server wakes the object,
// which reads its own alarm and reschedules; an alarm may fire twice, none
// is missed.
type alarmIndex struct {
	mu   sync.Mutex // guards conn
	conn *sqlite.Conn
}

func openAlarmIndex(path string) (*alarmIndex, error) {
	conn, err := openConn(path, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: open alarm index %s: %w", path, err)
	}
	err = sqlitex.ExecuteTransient(conn, "PRAGMA synchronous=FULL", nil)
	if err == nil {
		err = sqlitex.ExecuteScript(conn, `
		CREATE TABLE IF NOT EXISTS alarms (
			namespace TEXT NOT NULL,
			id TEXT NOT NULL,
			time INTEGER NOT NULL,
			PRIMARY KEY (namespace, id)
		) WITHOUT ROWID;
		CREATE INDEX IF NOT EXISTS alarms_by_time ON alarms (time);
	`, nil)
	}
	if err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("storage: open alarm index %s: %w", path, err)
	}
	return &alarmIndex{conn: conn}, nil
}

// lower makes the entry for (ns, id) at most ms.
func (x *alarmIndex) lower(ns, id string, ms int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return sqlitex.Execute(x.conn, `
		INSERT INTO alarms (namespace, id, time) VALUES (?, ?, ?)
		ON CONFLICT (namespace, id) DO UPDATE SET time = excluded.time
		WHERE excluded.time < alarms.time`,
		&sqlitex.ExecOptions{Args: []any{ns, id, ms}})
}

// set makes the entry for (ns, id) exactly ms, or removes it if !ok.
func (x *alarmIndex) set(ns, id string, ms int64, ok bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !ok {
		return sqlitex.Execute(x.conn, "DELETE FROM alarms WHERE namespace = ? AND id = ?",
			&sqlitex.ExecOptions{Args: []any{ns, id}})
	}
	return sqlitex.Execute(x.conn, `
		INSERT INTO alarms (namespace, id, time) VALUES (?, ?, ?)
		ON CONFLICT (namespace, id) DO UPDATE SET time = excluded.time`,
		&sqlitex.ExecOptions{Args: []any{ns, id, ms}})
}

func (x *alarmIndex) due(until int64) ([]Alarm, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []Alarm
	err := sqlitex.Execute(x.conn,
		"SELECT namespace, id, time FROM alarms WHERE time <= ? ORDER BY time, namespace, id",
		&sqlitex.ExecOptions{Args: []any{until}, ResultFunc: func(s *sqlite.Stmt) error {
			out = append(out, Alarm{Namespace: s.ColumnText(0), ID: s.ColumnText(1), Time: s.ColumnInt64(2)})
			return nil
		}})
	return out, err
}

func (x *alarmIndex) close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return closeConn(x.conn)
}
