package storage

import (
	"fmt"
)

// metaName holds the name an object was addressed by (idFromName), so that
// an object woken without a request (an alarm after a restart) still knows
// ctx.id.name. workerd keeps names outside the object's database; isola
// keeps it inside, next to the alarm, so backups carry it.
const metaName = 2

// SetName records the object's name inside the implicit transaction.
func (db *DB) SetName(name string) error {
	if err := db.Begin(); err != nil {
		return err
	}
	stmt, err := db.conn.Prepare("INSERT INTO _cf_METADATA (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
	if err != nil {
		return fmt.Errorf("storage: set name %s: %w", db.path, err)
	}
	defer stmt.Reset()
	stmt.SetInt64("$k", metaName)
	stmt.SetText("$v", name)
	if _, err := stmt.Step(); err != nil {
		return fmt.Errorf("storage: set name %s: %w", db.path, err)
	}
	return nil
}

// Name returns the recorded name, if any.
func (db *DB) Name() (string, bool, error) {
	if err := db.usable(); err != nil {
		return "", false, err
	}
	stmt, err := db.conn.Prepare("SELECT value FROM _cf_METADATA WHERE key = $k")
	if err != nil {
		return "", false, fmt.Errorf("storage: name %s: %w", db.path, err)
	}
	defer stmt.Reset()
	stmt.SetInt64("$k", metaName)
	row, err := stmt.Step()
	if err != nil {
		return "", false, fmt.Errorf("storage: name %s: %w", db.path, err)
	}
	if !row {
		return "", false, nil
	}
	return stmt.ColumnText(0), true, nil
}
