package actor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/isola-run/isola/internal/engine"
	"github.com/isola-run/isola/internal/storage"
	"github.com/isola-run/isola/internal/worker"
)

// Extension returns the worker.Extension that gives every runtime of a
// worker the Durable Object host functions: namespaces and stubs (for any
// worker) and storage (for the objects pinned to that runtime).
func (m *Manager) Extension() worker.Extension {
	return func(hs *engine.HostSet, ref *worker.Ref) func() func() error {
		l := &loop{m: m, ref: ref, dirty: map[*object]struct{}{}, touched: map[*object]struct{}{}, seqs: map[objKey]*sequencer{}}
		l.register(hs)
		l.registerHibernation(hs, ref) // hibernation.go
		return l.afterTurn
	}
}

// loop is the per-runtime state of the host functions; every field is
// owned by the runtime's loop goroutine.
type loop struct {
	m     *Manager
	ref   *worker.Ref
	dirty map[*object]struct{}
	// touched are the objects that acquired their database in this turn;
	// afterTurn gives each database back to the store (which keeps the
	// recently used ones open, up to its bound), so resident objects do not
	// hold open files.
	touched map[*object]struct{}

	seqMu sync.Mutex // guards seqs
	seqs  map[objKey]*sequencer
}

func str(args []any, i int) string {
	if i < len(args) {
		s, _ := args[i].(string)
		return s
	}
	return ""
}

func (l *loop) register(hs *engine.HostSet) {
	m := l.m
	hs.Sync("do.id.fromName", func(args []any) (any, error) {
		return IDFromName(str(args, 0), str(args, 1)), nil
	})
	hs.Sync("do.id.unique", func(args []any) (any, error) {
		return NewUniqueID(str(args, 0)), nil
	})
	hs.Sync("do.id.parse", func(args []any) (any, error) {
		id, err := ParseID(str(args, 0), str(args, 1))
		if err != nil {
			return nil, engine.Errorf("TypeError", "%s", err.Error())
		}
		return id, nil
	})
	// Stub calls are staged on the caller's loop so that calls one caller
	// makes to one object reach the object in the order they were made, as
	// in workerd (see order.go).
	hs.Staged("do.fetch", func(args []any) (func(context.Context) (any, error), error) {
		turn := l.reserve(objKey{str(args, 0), str(args, 1)})
		return func(ctx context.Context) (any, error) {
			v, err := m.EventPosted(ctx, turn, str(args, 0), str(args, 1), str(args, 2), "actor.fetch", args[3])
			if err != nil {
				return nil, publicError(err)
			}
			out, err := worker.BufferResponse(v, 100<<20)
			if d, ok := v.(map[string]any); ok && out != nil && d["webSocket"] != nil {
				// A 101 carries the object's WebSocket end back (hibernation.go).
				out["webSocket"] = d["webSocket"]
				m.pinWhileOpen(objKey{str(args, 0), str(args, 1)}, d["webSocket"])
			}
			return out, err
		}, nil
	})
	hs.Staged("do.rpc", func(args []any) (func(context.Context) (any, error), error) {
		turn := l.reserve(objKey{str(args, 0), str(args, 1)})
		return func(ctx context.Context) (any, error) {
			var refs any
			if len(args) > 5 {
				refs = args[5] // references passed by the caller (js/src/rpc.js)
			}
			v, err := m.EventPosted(ctx, turn, str(args, 0), str(args, 1), str(args, 2), "actor.rpc", str(args, 3), args[4], refs)
			return v, publicError(err)
		}, nil
	})

	// Storage: every call names (namespace, id) of an object pinned here.
	db := func(args []any) (*object, *storage.DB, error) {
		o := l.object(str(args, 0), str(args, 1))
		if o == nil {
			return nil, nil, engine.Errorf("Error", "Durable Object storage used outside of its object's event")
		}
		if o.db == nil {
			d, err := m.opts.Store.Acquire(o.key.ns, dbID(o)) // cluster.go: per-epoch file
			if err != nil {
				return nil, nil, fmt.Errorf("actor[%s] storage: %w", o.key.id, err)
			}
			o.db = d
			l.touched[o] = struct{}{}
			if o.name != "" && !o.nameStored {
				// Record the name once, for wake-ups without a request.
				if n, ok, err := d.Name(); err == nil && (!ok || n != o.name) {
					if d.SetName(o.name) == nil {
						l.dirty[o] = struct{}{}
					}
				}
				o.nameStored = true
			}
		}
		return o, o.db, nil
	}
	write := func(o *object) { l.dirty[o] = struct{}{} }
	hs.Sync("do.sql", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		binds, _ := args[3].([]any)
		vals := make([]storage.Value, len(binds))
		for i, b := range binds {
			vals[i] = bindValue(b)
		}
		cur, err := d.Exec(str(args, 2), vals)
		if err != nil {
			return nil, storageError(err)
		}
		if cur.RowsWritten() > 0 || d.InTransaction() {
			write(o)
		}
		rows := cur.Rows()
		out := make([]any, len(rows))
		for i, r := range rows {
			row := make([]any, len(r))
			for j, v := range r {
				row[j] = v
			}
			out[i] = row
		}
		cols := make([]any, len(cur.Columns()))
		for i, c := range cur.Columns() {
			cols[i] = c
		}
		return map[string]any{"columns": cols, "rows": out, "read": cur.RowsRead(), "written": cur.RowsWritten()}, nil
	})
	hs.Sync("do.dbsize", func(args []any) (any, error) {
		_, d, err := db(args)
		if err != nil {
			return nil, err
		}
		n, err := d.DatabaseSize()
		return n, storageError(err)
	})
	hs.Sync("do.kv.get", func(args []any) (any, error) {
		_, d, err := db(args)
		if err != nil {
			return nil, err
		}
		ents, err := d.Get(stringList(args[2]))
		if err != nil {
			return nil, storageError(err)
		}
		return entriesOut(ents), nil
	})
	hs.Sync("do.kv.put", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		list, _ := args[2].([]any)
		ents := make([]storage.Entry, 0, len(list))
		for _, e := range list {
			kv, _ := e.([]any)
			if len(kv) != 2 {
				continue
			}
			k, _ := kv[0].(string)
			v, _ := kv[1].([]byte)
			ents = append(ents, storage.Entry{Key: k, Value: v})
		}
		if err := d.Put(ents); err != nil {
			return nil, storageError(err)
		}
		write(o)
		return nil, nil
	})
	hs.Sync("do.kv.delete", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		n, err := d.Delete(stringList(args[2]))
		if err != nil {
			return nil, storageError(err)
		}
		write(o)
		return n, nil
	})
	hs.Sync("do.kv.list", func(args []any) (any, error) {
		_, d, err := db(args)
		if err != nil {
			return nil, err
		}
		opts, _ := args[2].(map[string]any)
		lo := storage.ListOptions{}
		lo.Start, _ = opts["start"].(string)
		lo.StartAfter, _ = opts["startAfter"].(string)
		lo.End, _ = opts["end"].(string)
		lo.Prefix, _ = opts["prefix"].(string)
		lo.Reverse, _ = opts["reverse"].(bool)
		if f, ok := opts["limit"].(float64); ok {
			lo.Limit = int(f)
		}
		ents, err := d.List(lo)
		if err != nil {
			return nil, storageError(err)
		}
		return entriesOut(ents), nil
	})
	hs.Sync("do.kv.deleteAll", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		n, err := d.DeleteAll()
		if err != nil {
			return nil, storageError(err)
		}
		write(o)
		return n, nil
	})
	hs.Sync("do.txn", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		switch str(args, 2) {
		case "begin":
			if err := d.Begin(); err != nil {
				return nil, storageError(err)
			}
			write(o)
			return nil, storageError(d.Savepoint())
		case "commit":
			return nil, storageError(d.Release())
		case "rollback":
			return nil, storageError(d.RollbackTo())
		}
		return nil, engine.Errorf("TypeError", "bad transaction op")
	})
	hs.Sync("do.alarm.get", func(args []any) (any, error) {
		_, d, err := db(args)
		if err != nil {
			return nil, err
		}
		ms, ok, err := d.GetAlarm()
		if err != nil || !ok {
			return nil, storageError(err)
		}
		return ms, nil
	})
	hs.Sync("do.alarm.set", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		f, _ := args[2].(float64)
		if err := d.SetAlarm(int64(f)); err != nil {
			return nil, storageError(err)
		}
		o.alarmDirty = true
		write(o)
		return nil, nil
	})
	hs.Sync("do.alarm.delete", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		if err := d.DeleteAlarm(); err != nil {
			return nil, storageError(err)
		}
		o.alarmDirty = true
		write(o)
		return nil, nil
	})
	// do.alarm.fired(ns, id, scheduled): the handler succeeded; clear the
	// alarm unless the handler set a new one.
	hs.Sync("do.alarm.fired", func(args []any) (any, error) {
		o, d, err := db(args)
		if err != nil {
			return nil, err
		}
		f, _ := args[2].(float64)
		ms, ok, err := d.GetAlarm()
		if err != nil {
			return nil, storageError(err)
		}
		if ok && ms == int64(f) {
			if err := d.DeleteAlarm(); err != nil {
				return nil, storageError(err)
			}
			o.alarmDirty = true
			write(o)
		}
		return nil, nil
	})
	hs.Sync("do.release", func(args []any) (any, error) {
		if o := l.object(str(args, 0), str(args, 1)); o != nil {
			delete(l.dirty, o)
			delete(l.touched, o)
			m.release(o)
		}
		return nil, nil
	})
}

// object returns the object pinned to this runtime, or nil.
func (l *loop) object(ns, id string) *object {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	o := l.m.objects[objKey{ns, id}]
	if o == nil || o.ref != l.ref {
		return nil
	}
	return o
}

// afterTurn commits the writes of the turn (write coalescing) without
// waiting for the disk, and returns the wait the output gate runs off the
// loop: the results of the turn leave once every commit is durable (an
// fdatasync of each object's WAL, shared with concurrent commits) and, in
// cluster mode, appended to the replicated log. A failed commit fails them.
func (l *loop) afterTurn() func() error {
	if len(l.dirty) == 0 {
		l.releaseTouched()
		return nil
	}
	defer l.releaseTouched()
	var failed error
	var waits []func() error // local durability; cluster mode: log appends
	for o := range l.dirty {
		if o.db == nil {
			delete(l.dirty, o)
			continue
		}
		if o.db.SavepointDepth() > 0 {
			continue // an explicit transaction spans turns; commit when it ends
		}
		cs, durable, err := o.db.CommitDeferred()
		if err != nil {
			failed = fmt.Errorf("actor[%s] commit: %w", o.key.id, err)
			l.m.log.Error(failed.Error())
		} else {
			if durable != nil {
				waits = append(waits, durable)
			}
			if wait := l.m.replicate(o, cs); wait != nil {
				waits = append(waits, wait) // cluster.go: fenced append
			}
		}
		delete(l.dirty, o)
		if o.alarmDirty {
			o.alarmDirty = false
			if ms, ok, err := o.db.GetAlarm(); err == nil && ok {
				l.m.scheduleAlarm(o.key, ms)
			} else if err == nil {
				l.m.cancelAlarm(o.key)
			}
		}
	}
	if failed != nil {
		return func() error { return failed }
	}
	if len(waits) > 0 {
		// The output gate opens once the log acknowledged every append.
		if len(waits) == 1 {
			return waits[0]
		}
		return func() error {
			errs := make([]error, len(waits))
			var wg sync.WaitGroup
			for i, w := range waits {
				wg.Go(func() { errs[i] = w() })
			}
			wg.Wait()
			return errors.Join(errs...)
		}
	}
	return nil
}

// releaseTouched gives back the databases acquired in this turn, except
// those inside an explicit transaction that spans turns.
func (l *loop) releaseTouched() {
	for o := range l.touched {
		if o.db != nil && (o.db.SavepointDepth() > 0 || o.db.InTransaction()) {
			continue
		}
		if o.db != nil {
			l.m.opts.Store.Release(o.db)
			o.db = nil
		}
		delete(l.touched, o)
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func entriesOut(ents []storage.Entry) []any {
	out := make([]any, len(ents))
	for i, e := range ents {
		out[i] = []any{e.Key, e.Value}
	}
	return out
}

func bindValue(v any) storage.Value {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// storageError passes storage errors to JS with workerd's classes.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	var se *storage.Error
	if errors.As(err, &se) {
		return &engine.JSError{Name: se.Name, Message: se.Message}
	}
	return &engine.JSError{Name: "Error", Message: err.Error()}
}

// publicError turns an error from another object's event into what the
// caller's JS sees: the thrown error's name and message.
func publicError(err error) error {
	var e *engine.Error
	if errors.As(err, &e) && (e.Kind == engine.CPULimit || e.Kind == engine.MemoryLimit) {
		return &engine.JSError{Name: "Error", Message: "Durable Object exceeded its resource limits and was reset."}
	}
	return worker.PublicError(err)
}
