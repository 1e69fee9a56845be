package cluster

// The alarm index: a replicated KV bucket <prefix>_alarms holding, for
// every key with an alarm, the alarm's time (Unix milliseconds). The owner
// writes it through its lease, queued behind the append of the commit that
// set or cleared the alarm, so that an acknowledged alarm is indexed before
// the response leaves. Every node watches the bucket; a due alarm of a key
// that no node owns (its owner died, or evicted it) is reported by Due, and
// the caller takes the key's lease, as for any event, and fires it there.
//
// The index may be stale (an owner that died between its append and the
// index write, a fenced owner's late write): a key woken for nothing is
// the only cost, because the new owner rebuilds the object, reads its real
// alarm and rewrites the entry (SetAlarm).

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Alarm is an entry of the alarm index.
type Alarm struct {
	Key string // as given to Acquire
	At  int64  // Unix milliseconds
}

// SetAlarmAsync queues, behind the appends queued before it, the index
// entry of the lease's key: its alarm time in Unix milliseconds, or none
// when set is false. It is skipped if the lease is lost by then. It returns
// a func that waits for the outcome. A failed write loses the lease.
func (l *Lease) SetAlarmAsync(ms int64, set bool) func(context.Context) error {
	return l.enqueue(&op{alarm: &alarmOp{ms: ms, set: set}})
}

type alarmOp struct {
	ms  int64
	set bool
}

func (l *Lease) setAlarm(a *alarmOp) error {
	ctx, cancel := context.WithTimeout(l.n.ctx, l.opTimeout())
	defer cancel()
	var err error
	if a.set {
		_, err = l.n.alarms.Put(ctx, l.enc, []byte(strconv.FormatInt(a.ms, 10)))
	} else {
		err = l.n.alarms.Delete(ctx, l.enc)
	}
	if err != nil {
		// The index may now disagree with the log: give the key up, so
		// that its next owner rewrites the entry from the rebuilt object.
		l.mu.Lock()
		l.abandonLocked(fmt.Errorf("%w: alarm index write failed: %v", ErrLeaseLost, err))
		l.mu.Unlock()
		return fmt.Errorf("cluster: alarm index %q: %w", l.key, err)
	}
	return nil
}

// watchAlarms keeps the node's copy of the alarm index.
func (n *Node) watchAlarms(w jetstream.KeyWatcher) {
	n.follow(w, func(e jetstream.KeyValueEntry) {
		n.mu.Lock()
		defer n.mu.Unlock()
		ms, err := strconv.ParseInt(string(e.Value()), 10, 64)
		if e.Operation() == jetstream.KeyValuePut && err == nil {
			n.alarmIdx[e.Key()] = ms
		} else {
			delete(n.alarmIdx, e.Key())
		}
	})
}

// Due returns the indexed alarms due at now whose key is not known to be
// owned under a live session, according to this node's watches, earliest
// first (check with Owner before acting), and the time of the next alarm
// not yet due (0 if none).
func (n *Node) Due(now time.Time) (due []Alarm, next int64) {
	ms := now.UnixMilli()
	n.mu.Lock()
	defer n.mu.Unlock()
	for enc, at := range n.alarmIdx {
		if at > ms {
			if next == 0 || at < next {
				next = at
			}
			continue
		}
		if _, st := n.ownerLocked(enc); st == liveHolder && at > ms-n.cfg.LeaseTTL.Milliseconds() {
			// Its owner's timer fires it. Past a TTL overdue, the watch
			// may be stale: the caller checks (OwnerFresh).
			continue
		}
		key, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			continue
		}
		due = append(due, Alarm{Key: string(key), At: at})
	}
	sort.Slice(due, func(i, j int) bool { return due[i].At < due[j].At })
	return due, next
}

// IndexedAlarm returns key's alarm time in this node's copy of the index.
func (n *Node) IndexedAlarm(key string) (ms int64, ok bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ms, ok = n.alarmIdx[encodeKey(key)]
	return ms, ok
}
