package storage

import (
	"errors"
	"fmt"
	"strings"

	"zombiezen.com/go/sqlite"
)

// Error is an error meant for tenant code. Name is the JavaScript error
// class the bridge should throw ("Error", "RangeError", "TypeError") and
// Message its text, worded exactly as workerd words it. Err, if set, is the
// internal cause; it is for logs, never for the tenant.
type Error struct {
	Name    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "storage: " + e.Message + ": " + e.Err.Error()
	}
	return "storage: " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinels.
var (
	// ErrClosed is returned by every DB method after Close, and by Store
	// methods after Store.Close.
	ErrClosed = errors.New("storage: closed")
	// ErrInTransaction is returned by Commit while a savepoint opened with
	// Savepoint is still open.
	ErrInTransaction = errors.New("storage: savepoint still open")
	// ErrNoSavepoint is returned by Release and RollbackTo when no savepoint
	// is open.
	ErrNoSavepoint = errors.New("storage: no savepoint open")
)

func rangeError(format string, args ...any) *Error {
	return &Error{Name: "RangeError", Message: fmt.Sprintf(format, args...)}
}

func jsError(msg string) *Error { return &Error{Name: "Error", Message: msg} }

// msgTransactions is what workerd throws when user SQL tries to manage
// transactions itself (SqlStorage::allowTransactions).
const msgTransactions = "To execute a transaction, please use the state.storage.transaction() or " +
	"state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT " +
	"statements. The JavaScript API is safer because it will automatically roll back on " +
	"exceptions, and because it interacts correctly with Durable Objects' automatic atomic " +
	"write coalescing."

// sqlError turns an error from zombiezen into the text workerd shows:
// SQLite's own message, " at offset N" when SQLite knows the offset, then
// ": " and the primary result code name, e.g.
//
//	near "SELEC": syntax error at offset 0: SQLITE_ERROR
//	no such table: t: SQLITE_ERROR
//	not authorized: SQLITE_AUTH
//
// and, for an extended result code, " (extended: " and its name ")":
//
//	NOT NULL constraint failed: t.v: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)
func sqlError(err error) *Error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	code := sqlite.ErrCode(err)
	inner := err
	for {
		u := errors.Unwrap(inner)
		if u == nil {
			break
		}
		inner = u
	}
	msg := inner.Error()
	// zombiezen renders "<code message>: <sqlite3_errmsg>"; keep the latter.
	msg = strings.TrimPrefix(msg, code.Message()+": ")
	if code.ToPrimary() != code {
		msg = strings.TrimPrefix(msg, code.ToPrimary().Message()+": ")
	}
	if off, ok := sqlite.ErrorOffset(err); ok {
		msg += fmt.Sprintf(" at offset %d", off)
	}
	msg += ": " + code.ToPrimary().String()
	if code.ToPrimary() != code {
		msg += " (extended: " + code.String() + ")"
	}
	return &Error{Name: "Error", Message: msg, Err: err}
}
