package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/isola-run/isola/internal/actor"
	"github.com/isola-run/isola/internal/config"
)

// migrationState is what <persist>/migrations/<worker>.json remembers: the
// tags applied, in order.
type migrationState struct {
	Applied []string `json:"applied"`
}

// applyMigrations applies, in order, the migrations of each worker that were
// not applied before, and remembers them. A renamed class moves its objects'
// directory; a deleted class's directory moves to <persist>/deleted/. The
// applied history must be a prefix of the config's migrations: a config that
// dropped or reordered an applied migration is an error naming it.
func applyMigrations(persist string, workers []*config.Worker, log *slog.Logger) error {
	dir := filepath.Join(persist, "migrations")
	for _, w := range workers {
		if len(w.Migrations) == 0 {
			continue
		}
		path := filepath.Join(dir, safeName(w.Name)+".json")
		var st migrationState
		if b, err := os.ReadFile(path); err == nil {
			if err := json.Unmarshal(b, &st); err != nil {
				return fmt.Errorf("server: %s: %w", path, err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("server: %w", err)
		}
		for i, tag := range st.Applied {
			if i >= len(w.Migrations) || w.Migrations[i].Tag != tag {
				return fmt.Errorf("server: worker %q: migration %q was applied before but is not migration #%d of the config any more; migrations may only be appended", w.Name, tag, i+1)
			}
		}
		changed := false
		for _, m := range w.Migrations[len(st.Applied):] {
			for _, r := range m.RenamedClasses {
				from := filepath.Join(persist, actor.UniqueKey(w.Name, r.From))
				to := filepath.Join(persist, actor.UniqueKey(w.Name, r.To))
				if _, err := os.Stat(from); err == nil {
					if err := os.Rename(from, to); err != nil {
						return fmt.Errorf("server: migration %q: rename %s to %s: %w", m.Tag, r.From, r.To, err)
					}
				}
			}
			for _, c := range m.DeletedClasses {
				from := filepath.Join(persist, actor.UniqueKey(w.Name, c))
				if _, err := os.Stat(from); err == nil {
					to := filepath.Join(persist, "deleted", fmt.Sprintf("%s-%d", actor.UniqueKey(w.Name, c), time.Now().Unix()))
					if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
						return err
					}
					if err := os.Rename(from, to); err != nil {
						return fmt.Errorf("server: migration %q: delete %s: %w", m.Tag, c, err)
					}
				}
			}
			st.Applied = append(st.Applied, m.Tag)
			changed = true
			log.Info("applied migration", "worker", w.Name, "tag", m.Tag)
		}
		if changed {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			b, _ := json.MarshalIndent(st, "", "  ")
			tmp := path + ".tmp"
			if err := os.WriteFile(tmp, b, 0o644); err != nil {
				return err
			}
			if err := os.Rename(tmp, path); err != nil {
				return err
			}
		}
	}
	return nil
}

func safeName(s string) string {
	k := actor.UniqueKey(s, "")
	return k[:len(k)-1] // drop the "." separator
}
