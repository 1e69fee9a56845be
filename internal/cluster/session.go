package cluster

// Sessions: what a node renews instead of every lease.
//
// Renewing each object's lease costs a replicated, fsynced KV write per
// object every third of (TTL - margin): 1,000 resident objects with a 3 s
// TTL need 1,500 writes/s, more than a small cluster does, and leases
// lapse under load. So a node holds one session per shard instead: a key
// <prefix>_sessions_<i>/<node id> created with the bucket's TTL, whose
// value is a random id, renewed by compare-and-set. A lease (a key of the
// shard's lease bucket, without TTL) names its holder's session id; it is
// valid while that session is, and another node may take it over (by a
// compare-and-set on its revision) once the session it names is gone. The
// holder gives every lease of a shard up at its session's local deadline,
// before the servers can expire the session: the same argument as for one
// lease per key, at the cost of nodes x shards renewals.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// session is this node's session in one shard. Goroutine-safe.
type session struct {
	n    *Node
	sh   *shard
	id   string // random, the value of the session key
	done chan struct{}

	mu       sync.Mutex // guards following
	rev      uint64     // KV revision to renew from
	deadline time.Time  // local: lost after it
	err      error
}

type sessionValue struct {
	ID string `json:"id"`
}

// session returns this node's live session in sh, creating it if needed.
func (n *Node) session(ctx context.Context, sh *shard) (*session, error) {
	if s := sh.current(); s != nil {
		return s, nil
	}
	// One creation at a time, but a caller whose context ends stops
	// waiting (a creation can last through an election).
	select {
	case sh.sessSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("cluster: session in shard %d: %w", sh.i, ctx.Err())
	}
	defer func() { <-sh.sessSem }()
	if s := sh.current(); s != nil {
		return s, nil
	}
	s := &session{n: n, sh: sh, id: nuid.Next(), done: make(chan struct{})}
	val, _ := json.Marshal(sessionValue{ID: s.id})
	key := n.cfg.NodeID
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		t0 := time.Now()
		rev, err := sh.sess.Create(actx, key, val)
		cancel()
		if err == nil {
			s.rev, s.deadline = rev, t0.Add(n.cfg.LeaseTTL-n.cfg.Margin)
			break
		}
		if errors.Is(err, jetstream.ErrKeyExists) || wrongLastSeq(err) {
			// An earlier session of this node (a lost session, or this
			// process's predecessor): replace it; only this node writes
			// its session key. Leases naming the old one are invalid from
			// now on.
			actx, cancel := context.WithTimeout(ctx, attemptTimeout)
			t0 = time.Now()
			rev, perr := sh.sess.Put(actx, key, val)
			cancel()
			if perr == nil {
				s.rev, s.deadline = rev, t0.Add(n.cfg.LeaseTTL-n.cfg.Margin)
				break
			}
			err = perr
		} else if !errors.Is(err, context.DeadlineExceeded) && !unavailable(err) {
			return nil, fmt.Errorf("cluster: session in shard %d: %w", sh.i, err)
		}
		if !retryWait(ctx, attempt) {
			return nil, fmt.Errorf("cluster: session in shard %d: %w", sh.i, errors.Join(err, ctx.Err()))
		}
	}
	sh.mu.Lock()
	sh.mine = s
	sh.mu.Unlock()
	go s.renew()
	return s, nil
}

// current returns this node's session in sh if it is valid.
func (sh *shard) current() *session {
	sh.mu.Lock()
	s := sh.mine
	sh.mu.Unlock()
	if s != nil && s.Err() == nil {
		return s
	}
	return nil
}

// Err returns nil while the session is valid.
func (s *session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil && time.Now().After(s.deadline) {
		s.loseLocked(fmt.Errorf("%w: session not renewed before the local deadline", ErrLeaseLost))
	}
	return s.err
}

func (s *session) loseLocked(err error) {
	if s.err != nil {
		return
	}
	s.err = err
	close(s.done)
	s.n.log.Warn("session lost", "shard", s.sh.i, "error", err)
}

// renew extends the session every third of its lifetime until it is lost.
func (s *session) renew() {
	cfg := s.n.cfg
	every := (cfg.LeaseTTL - cfg.Margin) / 3
	t := time.NewTicker(every)
	defer t.Stop()
	val, _ := json.Marshal(sessionValue{ID: s.id})
	for {
		s.mu.Lock()
		dl := s.deadline
		s.mu.Unlock()
		timer := time.NewTimer(time.Until(dl))
		select {
		case <-s.done:
			timer.Stop()
			return
		case <-timer.C:
			s.Err() // loses it
			return
		case <-t.C:
			timer.Stop()
		}
		if s.n.ctx.Err() != nil {
			continue // closed or crashed: let the deadline pass
		}
		s.mu.Lock()
		rev := s.rev
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(s.n.ctx, every)
		sent := time.Now()
		var nrev uint64
		var err error
		for attempt := 0; ; attempt++ {
			actx, acancel := context.WithTimeout(ctx, attemptTimeout)
			nrev, err = s.sh.sess.Update(actx, s.n.cfg.NodeID, val, rev)
			acancel()
			if err == nil || !(unavailable(err) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil) || !retryWait(ctx, attempt) {
				break
			}
		}
		cancel()
		s.mu.Lock()
		switch {
		case s.err != nil:
		case err == nil:
			s.rev = nrev
			s.deadline = sent.Add(cfg.LeaseTTL - cfg.Margin)
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch) || wrongLastSeq(err):
			s.loseLocked(fmt.Errorf("%w: session expired or replaced", ErrLeaseLost))
		default:
			s.n.log.Warn("session renewal failed", "shard", s.sh.i, "error", err)
		}
		s.mu.Unlock()
	}
}

// end deletes the session key (Close): the node's leases in the shard can
// be taken at once.
func (s *session) end(ctx context.Context) {
	s.mu.Lock()
	rev := s.rev
	s.loseLocked(fmt.Errorf("%w: node closed", ErrLeaseLost))
	s.mu.Unlock()
	s.sh.sess.Delete(ctx, s.n.cfg.NodeID, jetstream.LastRevision(rev))
}

// watchSessions keeps the node's copy of a shard's live sessions.
func (n *Node) watchSessions(sh *shard, w jetstream.KeyWatcher) {
	n.follow(w, func(e jetstream.KeyValueEntry) {
		var v sessionValue
		n.mu.Lock()
		defer n.mu.Unlock()
		if e.Operation() == jetstream.KeyValuePut && json.Unmarshal(e.Value(), &v) == nil {
			sh.sessions[e.Key()] = v.ID
		} else {
			sh.sessions[e.Key()] = "" // known gone
		}
	})
}

// sessionLive reports whether node's session id is live in sh: from the
// watch, unless fresh, else from the bucket. A stale answer errs on
// "live". The watch can stall for seconds (its consumer may live on a
// dead server), so decisions that only a dead session allows (taking a
// lease over, giving up on an owner that does not answer) ask fresh.
func (n *Node) sessionLive(ctx context.Context, sh *shard, node, id string, fresh bool) bool {
	if !fresh {
		n.mu.Lock()
		cur := sh.sessions[node]
		n.mu.Unlock()
		if cur == id {
			return true
		}
	}
	gctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	val, found, err := n.leaderGet(gctx, sh.sess.Bucket(), node)
	if err != nil {
		return true // unknown: assume live
	}
	if !found {
		return false
	}
	var v sessionValue
	if json.Unmarshal(val, &v) != nil {
		return true
	}
	return v.ID == id
}

// leaderGet reads the latest value of key in a KV bucket from the leader
// of the bucket's stream; found is false if the key has none (never set,
// deleted, purged or expired). A KV Get is a direct get, which any replica
// may answer, and a replica on a node back from a pause (SIGSTOP, a long
// GC) answers from its stale copy until it has caught up: there a session
// created during the pause is missing, and a live holder's lease would
// look abandoned and be taken over. Decisions that take a lease read here.
func (n *Node) leaderGet(ctx context.Context, bucket, key string) (val []byte, found bool, err error) {
	req, _ := json.Marshal(map[string]string{"last_by_subj": "$KV." + bucket + "." + key})
	msg, err := n.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET.KV_"+bucket, req)
	if err != nil {
		return nil, false, err
	}
	var resp struct {
		Message *struct {
			Data []byte `json:"data"`
			Hdrs []byte `json:"hdrs"`
		} `json:"message"`
		Error *struct {
			Code        int    `json:"code"`
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return nil, false, err
	}
	if resp.Error != nil {
		if resp.Error.Code == 404 {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("cluster: get %s/%s: %s", bucket, key, resp.Error.Description)
	}
	if resp.Message == nil {
		return nil, false, fmt.Errorf("cluster: get %s/%s: empty answer", bucket, key)
	}
	// A delete or purge is a message too, marked in its headers.
	if h := string(resp.Message.Hdrs); strings.Contains(h, "KV-Operation: DEL") || strings.Contains(h, "KV-Operation: PURGE") {
		return nil, false, nil
	}
	return resp.Message.Data, true, nil
}

// sessionPresent reports whether node has a session in sh at the bucket
// (whatever its id); an unknown answer counts as present.
func (n *Node) sessionPresent(sh *shard, node string) bool {
	ctx, cancel := context.WithTimeout(n.ctx, attemptTimeout)
	defer cancel()
	_, err := sh.sess.Get(ctx, node)
	return !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted)
}
