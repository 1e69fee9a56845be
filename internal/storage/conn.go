package storage

import (
	"sync"

	"zombiezen.com/go/sqlite"
)

// connLifecycle serializes opening and closing connections, with the
// per-connection setup that registers process-wide callbacks.
//
// Why: zombiezen keys its authorizer, busy-handler and connection tables by
// the sqlite3* address, and Conn.Close deletes those entries only after
// sqlite3_close has freed the address. Another goroutine opening a
// connection in between can get the same address, register its authorizer,
// and then lose it to the late delete; its next prepare fails in odd ways
// ("unrecognized token"), seen under TestStore_hammer with -race.
var connLifecycle sync.Mutex

// openConn opens a connection and runs setup on it before any other
// connection can be opened or closed.
func openConn(path string, setup func(*sqlite.Conn) error) (*sqlite.Conn, error) {
	connLifecycle.Lock()
	defer connLifecycle.Unlock()
	conn, err := sqlite.OpenConn(path, sqlite.OpenReadWrite|sqlite.OpenCreate|sqlite.OpenWAL|sqlite.OpenNoMutex)
	if err != nil {
		return nil, err
	}
	if setup != nil {
		if err := setup(conn); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

func closeConn(conn *sqlite.Conn) error {
	connLifecycle.Lock()
	defer connLifecycle.Unlock()
	return conn.Close()
}
