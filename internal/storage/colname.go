package storage

import (
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
	"zombiezen.com/go/sqlite"
)

// zombiezen's Stmt.ColumnName looks the name up in a name->index map, so a
// name repeated in a result ("SELECT 1 AS x, 2 AS x") is found only at its
// last position. columnName asks SQLite for the name by index instead,
// through mirrors of the unexported fields it needs; the size checks below
// break the build if zombiezen changes either layout.

type connMirror struct {
	tls        *libc.TLS
	conn       uintptr
	stmts      map[string]*sqlite.Stmt
	closed     bool
	cancelCh   chan struct{}
	doneCh     <-chan struct{}
	unlockNote uintptr
	file       string
	line       int
}

type stmtMirror struct {
	conn          *connMirror
	stmt          uintptr
	query         string
	bindNames     []string
	colNames      map[string]int
	bindErr       error
	prepInterrupt bool
	lastHasRow    bool
}

var _ [unsafe.Sizeof(sqlite.Conn{}) - unsafe.Sizeof(connMirror{})]struct{}
var _ [unsafe.Sizeof(connMirror{}) - unsafe.Sizeof(sqlite.Conn{})]struct{}
var _ [unsafe.Sizeof(sqlite.Stmt{}) - unsafe.Sizeof(stmtMirror{})]struct{}
var _ [unsafe.Sizeof(stmtMirror{}) - unsafe.Sizeof(sqlite.Stmt{})]struct{}

// columnName is the name of result column col of stmt, as
// sqlite3_column_name returns it ("" if SQLite has none).
func columnName(stmt *sqlite.Stmt, col int) string {
	m := (*stmtMirror)(unsafe.Pointer(stmt))
	if m.conn == nil || m.stmt == 0 {
		return stmt.ColumnName(col)
	}
	p := lib.Xsqlite3_column_name(m.conn.tls, m.stmt, int32(col))
	if p == 0 {
		return ""
	}
	return libc.GoString(p)
}
