package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
	"zombiezen.com/go/sqlite"
)

// Changeset is everything one committed transaction changed, in a form a
// replica can apply with ApplyChangeset: the schema statements it ran, in
// order, then SQLite's session changeset for the rows.
//
// Encoding: a version byte (1), a uvarint count of schema statements, each
// as a uvarint length and its text, then the session changeset bytes.
type Changeset []byte

const changesetVersion = 1

func encodeChangeset(ddl []string, data []byte) Changeset {
	if len(ddl) == 0 && len(data) == 0 {
		return nil
	}
	n := 1 + binary.MaxVarintLen64 + len(data)
	for _, s := range ddl {
		n += binary.MaxVarintLen64 + len(s)
	}
	b := make([]byte, 0, n)
	b = append(b, changesetVersion)
	b = binary.AppendUvarint(b, uint64(len(ddl)))
	for _, s := range ddl {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, data...)
}

// Decode splits a Changeset into its schema statements and row changes.
func (c Changeset) Decode() (schema []string, rows []byte, err error) {
	if len(c) == 0 {
		return nil, nil, nil
	}
	if c[0] != changesetVersion {
		return nil, nil, fmt.Errorf("storage: changeset version %d: unknown", c[0])
	}
	b := []byte(c[1:])
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, errors.New("storage: changeset: bad schema count")
	}
	b = b[k:]
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, nil, errors.New("storage: changeset: bad schema statement")
		}
		schema = append(schema, string(b[k:k+int(l)]))
		b = b[k+int(l):]
	}
	return schema, b, nil
}

// ApplyChangeset applies a Changeset captured by Commit on another copy of
// the database (a replica being rebuilt from the log) and commits it
// durably. Changesets must be applied in commit order to a DB that has
// applied exactly the ones before it; a conflict is an error and nothing of
// the changeset is applied.
func ApplyChangeset(db *DB, cs Changeset) error {
	schema, rows, err := cs.Decode()
	if err != nil {
		return err
	}
	if len(schema) == 0 && len(rows) == 0 {
		return nil
	}
	if err := db.usable(); err != nil {
		return err
	}
	if db.inTx {
		return fmt.Errorf("storage: apply changeset %s: transaction open", db.path)
	}
	if err := db.Begin(); err != nil {
		return err
	}
	fail := func(err error) error {
		db.rollback()
		return fmt.Errorf("storage: apply changeset %s: %w", db.path, err)
	}
	for _, s := range schema {
		if err := db.execOnce(s); err != nil {
			return fail(err)
		}
		db.ddl = append(db.ddl, s)
	}
	if len(rows) > 0 {
		var conflict error
		err := db.conn.ApplyChangeset(bytes.NewReader(rows), nil,
			func(ct sqlite.ConflictType, _ *sqlite.ChangesetIterator) sqlite.ConflictAction {
				conflict = fmt.Errorf("conflict %v", ct)
				return sqlite.ChangesetAbort
			})
		if err == nil {
			err = conflict
		}
		if err != nil {
			return fail(err)
		}
	}
	_, err = db.Commit()
	return err
}

// sessionMirror has the layout of sqlite.Session; zombiezen has no way to
// set SQLITE_SESSION_OBJCONFIG_ROWID, without which changes to tables that
// lack an explicit PRIMARY KEY would not be captured. The size checks break
// the build if the layout changes; TestChangeset_rowidTable checks the rest.
type sessionMirror struct {
	tls *libc.TLS
	ptr uintptr
}

var _ [unsafe.Sizeof(sqlite.Session{}) - unsafe.Sizeof(sessionMirror{})]struct{}
var _ [unsafe.Sizeof(sessionMirror{}) - unsafe.Sizeof(sqlite.Session{})]struct{}

func newSession(conn *sqlite.Conn) (*sqlite.Session, error) {
	s, err := conn.CreateSession("main")
	if err != nil {
		return nil, err
	}
	m := (*sessionMirror)(unsafe.Pointer(s))
	p := lib.Xsqlite3_malloc(m.tls, 4)
	if p == 0 {
		s.Delete()
		return nil, errors.New("session config: out of memory")
	}
	// Any positive int enables the option; 0x01010101 is one on every
	// byte order, and memset keeps vet happy about uintptr arithmetic.
	libc.Xmemset(m.tls, p, 1, 4)
	rc := lib.Xsqlite3session_object_config(m.tls, m.ptr, lib.SQLITE_SESSION_OBJCONFIG_ROWID, p)
	lib.Xsqlite3_free(m.tls, p)
	if rc != lib.SQLITE_OK {
		s.Delete()
		return nil, fmt.Errorf("session config: %v", sqlite.ResultCode(rc))
	}
	if err := s.Attach(""); err != nil {
		s.Delete()
		return nil, err
	}
	return s, nil
}
