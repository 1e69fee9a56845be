package storage

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"
)

// Options configure a DB. The zero value is valid.
type Options struct {
	// CaptureChanges makes Commit return each transaction's Changeset (for
	// replication). Default false: a single node needs no changesets and
	// capture costs CPU on every commit (see BenchmarkCommit).
	CaptureChanges bool
	// DeferSync runs the database with synchronous=NORMAL: COMMIT writes the
	// WAL without fsync, and CommitDeferred returns a wait that makes the
	// commit durable (one fdatasync of the WAL covering every commit made
	// before it, shared by concurrent waiters: group commit). The owner's
	// goroutine never blocks on the disk. Default false (synchronous=FULL).
	DeferSync bool
}

// DB is one Durable Object's database.
//
// A DB is not safe for concurrent use: it is owned by the goroutine that
// runs its object's events (the object's event loop), which makes every call
// on it. A Store hands a DB to one owner at a time.
type DB struct {
	conn  *sqlite.Conn
	path  string
	opts  Options
	auth  *authorizer
	stmts stmtCache // prepared tenant statements

	// Set when the DB belongs to a Store.
	store     *Store
	namespace string
	id        string

	inTx     bool
	sess     *sqlite.Session
	ddl      []string // schema statements of the open transaction, in order
	marks    []int    // len(ddl) at each open savepoint
	alarmSet bool     // the open transaction wrote the alarm
	closed   bool
	broken   error      // a failed COMMIT or sync: the DB must be reopened
	wal      *walSyncer // DeferSync only
}

// Open opens (creating if needed) the database file at path with WAL
// journaling and synchronous=FULL (SQLite fsyncs the WAL inside every
// COMMIT), and creates the internal tables. The caller owns the DB and must Close it.
func Open(path string, opts Options) (*DB, error) {
	db := &DB{path: path, opts: opts}
	conn, err := openConn(path, func(c *sqlite.Conn) error {
		db.conn = c
		return db.setup()
	})
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	db.conn = conn
	return db, nil
}

func (db *DB) setup() error {
	for _, p := range []string{
		"PRAGMA journal_mode=WAL",
		db.syncPragma(),
		"PRAGMA foreign_keys=ON",
	} {
		if err := sqlitex.ExecuteTransient(db.conn, p, nil); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	// Only another process (a backup, the sqlite3 CLI) can hold the lock.
	db.conn.SetBusyTimeout(5 * time.Second)
	if err := db.conn.SetDefensive(true); err != nil {
		return err
	}
	setLimits(db.conn)
	db.auth = &authorizer{trusted: true}
	if err := db.conn.SetAuthorizer(db.auth); err != nil {
		return err
	}
	return sqlitex.ExecuteScript(db.conn, `
		CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
		CREATE TABLE IF NOT EXISTS _cf_METADATA (key INTEGER PRIMARY KEY, value BLOB);
	`, nil)
}

// Path reports the file the DB lives in.
func (db *DB) Path() string { return db.path }

// Close rolls back any open transaction and closes the database.
func (db *DB) Close() error {
	if db.closed {
		return nil
	}
	if db.inTx {
		db.rollback()
	}
	db.closed = true
	db.stmts.clear()
	if db.wal != nil {
		// Make every deferred commit durable before the connection goes: a
		// closing checkpoint would, but another connection (a backup) can
		// prevent it. Waits still pending then return at once.
		if err := db.wal.wait(db.wal.committed.Load()); err != nil {
			db.wal.close()
			closeConn(db.conn)
			return err
		}
		defer db.wal.close()
	}
	if err := closeConn(db.conn); err != nil {
		return fmt.Errorf("storage: close %s: %w", db.path, err)
	}
	return nil
}

func (db *DB) usable() error {
	if db.closed {
		return ErrClosed
	}
	if db.broken != nil {
		return fmt.Errorf("storage: %s is broken by an earlier failure: %w", db.path, db.broken)
	}
	return nil
}

// InTransaction reports whether an implicit transaction is open, that is
// whether Commit has work to do.
func (db *DB) InTransaction() bool { return db.inTx }

// Begin opens the implicit transaction if none is open. Every write method
// calls it, so callers rarely need to: writes between two Commits form one
// atomic transaction (workerd's write coalescing).
func (db *DB) Begin() error {
	if err := db.usable(); err != nil {
		return err
	}
	if db.inTx {
		return nil
	}
	if err := db.execTrusted("BEGIN"); err != nil {
		return fmt.Errorf("storage: begin %s: %w", db.path, err)
	}
	if db.opts.CaptureChanges {
		s, err := newSession(db.conn)
		if err != nil {
			db.execTrusted("ROLLBACK")
			return fmt.Errorf("storage: begin %s: %w", db.path, err)
		}
		db.sess = s
	}
	db.inTx = true
	return nil
}

// Commit commits the implicit transaction and returns only once it is
// durable on disk (the output gate may open then). With
// Options.CaptureChanges it returns the transaction's changes as a
// Changeset (nil if nothing changed). Without an open transaction it does
// nothing.
//
// If Commit fails the transaction is rolled back and the DB is broken: every
// later call fails and the owner must close and reopen it, as workerd resets
// an object whose commit failed.
func (db *DB) Commit() (Changeset, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if !db.inTx {
		return nil, nil
	}
	if len(db.marks) > 0 {
		return nil, ErrInTransaction
	}
	var cs Changeset
	if db.sess != nil {
		var buf bytes.Buffer
		if err := db.sess.WriteChangeset(&buf); err != nil {
			db.rollback()
			return nil, fmt.Errorf("storage: commit %s: capture: %w", db.path, err)
		}
		cs = encodeChangeset(db.ddl, buf.Bytes())
	}
	var alarm int64
	var hasAlarm bool
	if db.alarmSet && db.store != nil {
		var err error
		alarm, hasAlarm, err = db.GetAlarm()
		if err == nil && hasAlarm {
			err = db.store.alarms.lower(db.namespace, db.id, alarm)
		}
		if err != nil {
			db.rollback()
			return nil, fmt.Errorf("storage: commit %s: alarm index: %w", db.path, err)
		}
	}
	if err := db.execTrusted("COMMIT"); err != nil {
		db.rollback()
		db.broken = err
		return nil, fmt.Errorf("storage: commit %s: %w", db.path, err)
	}
	db.endTx()
	if db.alarmSet && db.store != nil && !db.opts.DeferSync {
		// Not with DeferSync: the COMMIT is not durable yet, and raising or
		// removing the entry before it is could lose an alarm in a crash;
		// the early entry stays until Store.SyncAlarmIndex.
		//
		// Best effort, and so its error is dropped: the index already holds
		// a time no later than the committed alarm, so a lost write here
		// only means an early wake-up, after which the server calls
		// Store.SyncAlarmIndex.
		_ = db.store.alarms.set(db.namespace, db.id, alarm, hasAlarm)
	}
	db.alarmSet = false
	return cs, nil
}

// Rollback discards the implicit transaction, savepoints included.
func (db *DB) Rollback() error {
	if db.closed {
		return ErrClosed
	}
	if !db.inTx {
		return nil
	}
	return db.rollback()
}

func (db *DB) rollback() error {
	var err error
	if !db.conn.AutocommitEnabled() {
		err = db.execTrusted("ROLLBACK")
	}
	db.endTx()
	db.alarmSet = false
	if err != nil {
		db.broken = err
		return fmt.Errorf("storage: rollback %s: %w", db.path, err)
	}
	return nil
}

func (db *DB) endTx() {
	if db.sess != nil {
		db.sess.Delete()
		db.sess = nil
	}
	db.ddl = db.ddl[:0]
	db.marks = db.marks[:0]
	db.inTx = false
}

// Savepoint opens a nested transaction inside the implicit one (JS
// transaction() and transactionSync()). Savepoints nest; each must end with
// Release or RollbackTo.
func (db *DB) Savepoint() error {
	if err := db.Begin(); err != nil {
		return err
	}
	n := len(db.marks)
	if err := db.execTrusted("SAVEPOINT _cf_savepoint_" + strconv.Itoa(n)); err != nil {
		return fmt.Errorf("storage: savepoint %s: %w", db.path, err)
	}
	db.marks = append(db.marks, len(db.ddl))
	return nil
}

// Release ends the innermost savepoint, keeping its writes in the enclosing
// transaction.
func (db *DB) Release() error {
	if err := db.usable(); err != nil {
		return err
	}
	n := len(db.marks)
	if n == 0 {
		return ErrNoSavepoint
	}
	if err := db.execTrusted("RELEASE _cf_savepoint_" + strconv.Itoa(n-1)); err != nil {
		return fmt.Errorf("storage: release %s: %w", db.path, err)
	}
	db.marks = db.marks[:n-1]
	return nil
}

// RollbackTo undoes everything written since the innermost savepoint and
// ends it (ROLLBACK TO then RELEASE, as workerd does).
func (db *DB) RollbackTo() error {
	if err := db.usable(); err != nil {
		return err
	}
	n := len(db.marks)
	if n == 0 {
		return ErrNoSavepoint
	}
	name := "_cf_savepoint_" + strconv.Itoa(n-1)
	if err := db.execTrusted("ROLLBACK TO " + name); err != nil {
		return fmt.Errorf("storage: rollback to %s: %w", db.path, err)
	}
	if err := db.execTrusted("RELEASE " + name); err != nil {
		return fmt.Errorf("storage: rollback to %s: %w", db.path, err)
	}
	db.ddl = db.ddl[:db.marks[n-1]]
	db.marks = db.marks[:n-1]
	return nil
}

// SavepointDepth reports how many savepoints are open.
func (db *DB) SavepointDepth() int { return len(db.marks) }

// execTrusted runs fixed internal SQL (BEGIN, COMMIT, savepoints) through
// the connection's statement cache.
func (db *DB) execTrusted(query string) error {
	return sqlitex.Execute(db.conn, query, nil)
}

// execOnce runs one-off internal SQL without caching the statement.
func (db *DB) execOnce(query string) error {
	return sqlitex.ExecuteTransient(db.conn, query, nil)
}

// DatabaseSize reports the bytes the database uses: pages in use times the
// page size (workerd's sql.databaseSize).
func (db *DB) DatabaseSize() (int64, error) {
	if err := db.usable(); err != nil {
		return 0, err
	}
	var size int64
	err := sqlitex.Execute(db.conn,
		"SELECT ((SELECT * FROM pragma_page_count) - (SELECT * FROM pragma_freelist_count)) * (SELECT * FROM pragma_page_size)",
		&sqlitex.ExecOptions{ResultFunc: func(stmt *sqlite.Stmt) error {
			size = stmt.ColumnInt64(0)
			return nil
		}})
	if err != nil {
		return 0, fmt.Errorf("storage: database size %s: %w", db.path, err)
	}
	return size, nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns nil if it says ok.
func (db *DB) IntegrityCheck() error {
	if err := db.usable(); err != nil {
		return err
	}
	var lines []string
	err := sqlitex.ExecuteTransient(db.conn, "PRAGMA integrity_check", &sqlitex.ExecOptions{
		ResultFunc: func(stmt *sqlite.Stmt) error {
			lines = append(lines, stmt.ColumnText(0))
			return nil
		}})
	if err != nil {
		return fmt.Errorf("storage: integrity check %s: %w", db.path, err)
	}
	if len(lines) != 1 || lines[0] != "ok" {
		return fmt.Errorf("storage: integrity check %s: %q", db.path, lines)
	}
	return nil
}

// SetInterrupt arranges for the running statement, and every later one,
// to fail with SQLITE_INTERRUPT once done is closed: the object's CPU-time
// limit stops a runaway query this way. Clear it with SetInterrupt(nil)
// before calling Rollback. It must be called by the owning goroutine.
func (db *DB) SetInterrupt(done <-chan struct{}) {
	db.conn.SetInterrupt(done)
}
