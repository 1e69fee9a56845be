package cluster

// Shards and leader placement.
//
// Keys are spread by hash over Config.Shards shards, each a lease bucket,
// a log stream and a session bucket with their own Raft groups. When a node dies, every group
// it led is unavailable until JetStream elects a new leader: 4 to 9 s, not
// configurable. If that node also owned keys of those groups, their new
// owner would wait for the election on top of the lease TTL. So, in
// embedded mode, each shard has a preferred node (the shard's index in the
// sorted names of its group's servers); that node keeps the leadership of
// the shard's bucket and stream (it asks the current leader to step down
// in its favour once its replica is current), and it does not take keys of
// that shard: it hands them to another node (TakePeer), and gives back
// those it holds (ShouldMove). A node's death then costs its own keys only
// the lease TTL; the keys of its shard that other nodes own stall for the
// election (their writes wait, or their leases lapse and are taken again
// after it).

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// shard is one lease bucket and log stream.
type shard struct {
	i          int
	kv         jetstream.KeyValue
	kvStream   string // the bucket's stream, KV_<bucket>
	log        jetstream.Stream
	logStream  string
	subject    string             // log subject prefix, "<prefix>.log.<i>."
	sess       jetstream.KeyValue // sessions (session.go)
	sessStream string

	sessSem chan struct{} // one session creation at a time
	mine    *session      // this node's session in the shard; guarded by mu

	// sessions are the live sessions (node -> id) from the watch; guarded
	// by Node.mu.
	sessions map[string]string

	mu        sync.Mutex      // guards following
	leaders   [3]string       // of kvStream, logStream and sessStream, as last seen
	peers     []string        // servers of the groups ever seen, sorted
	live      map[string]bool // servers listed and not offline at the last look
	preferred string
	stepped   time.Time // last step-down request
}

// shardOf returns the shard of an encoded key.
func (n *Node) shardOf(enc string) *shard {
	h := fnv.New32a()
	h.Write([]byte(enc))
	return n.shards[h.Sum32()%uint32(len(n.shards))]
}

// keepLeaders refreshes the leaders of every shard every second and moves
// the leadership of the shards this node prefers to it. It logs when this
// node's server gains or loses the JetStream meta leadership (which shard
// placement cannot keep off any node; the kill tests look for it).
func (n *Node) keepLeaders() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	meta := false
	for {
		if m := n.srv.JetStreamIsLeader(); m != meta {
			meta = m
			n.log.Info("JetStream meta leadership", "leader", m)
		}
		for _, sh := range n.shards {
			n.refreshShard(sh)
		}
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
	}
}

type streamInfo struct {
	Error   *jetstream.APIError `json:"error"`
	Cluster struct {
		Leader   string `json:"leader"`
		Replicas []struct {
			Name    string        `json:"name"`
			Current bool          `json:"current"`
			Offline bool          `json:"offline"`
			Active  time.Duration `json:"active"` // since last heard of
		} `json:"replicas"`
	} `json:"cluster"`
}

func (n *Node) streamInfo(name string) (*streamInfo, error) {
	m, err := n.nc.Request("$JS.API.STREAM.INFO."+name, nil, time.Second)
	if err != nil {
		return nil, err
	}
	var si streamInfo
	if err := json.Unmarshal(m.Data, &si); err != nil {
		return nil, err
	}
	if si.Error != nil {
		return nil, si.Error
	}
	return &si, nil
}

func (n *Node) refreshShard(sh *shard) {
	me := n.cfg.NodeID
	var leaders [3]string
	peers := map[string]bool{}
	offline := map[string]bool{}
	current := [3]bool{}
	for j, name := range sh.streams() {
		si, err := n.streamInfo(name)
		if err != nil {
			// No leader (an election) or no answer: keep what we knew.
			sh.mu.Lock()
			leaders[j] = sh.leaders[j]
			sh.mu.Unlock()
			continue
		}
		leaders[j] = si.Cluster.Leader
		if si.Cluster.Leader != "" {
			peers[si.Cluster.Leader] = true
		}
		for _, r := range si.Cluster.Replicas {
			peers[r.Name] = true
			// JetStream marks a dead peer offline only after a while;
			// silence for a few heartbeats says as much.
			if r.Offline || r.Active > 3*time.Second {
				offline[r.Name] = true
			}
			if r.Name == me && r.Current {
				current[j] = true
			}
		}
	}
	sh.mu.Lock()
	sh.leaders = leaders
	if len(peers) > 0 {
		// The preferred node must not change when a peer dies (JetStream
		// may stop listing it): the set only grows.
		for p := range peers {
			if !slices.Contains(sh.peers, p) {
				sh.peers = append(sh.peers, p)
			}
		}
		slices.Sort(sh.peers)
		sh.preferred = sh.peers[sh.i%len(sh.peers)]
		sh.live = map[string]bool{}
		for p := range peers {
			if !offline[p] {
				sh.live[p] = true
			}
		}
	}
	pref := sh.preferred
	step := pref == me && time.Since(sh.stepped) > 5*time.Second
	sh.mu.Unlock()
	if !step {
		return
	}
	for j, name := range sh.streams() {
		if leaders[j] == "" || leaders[j] == me || !current[j] {
			continue
		}
		sh.mu.Lock()
		sh.stepped = time.Now()
		sh.mu.Unlock()
		body, _ := json.Marshal(map[string]any{"placement": map[string]string{"preferred": me}})
		if _, err := n.nc.Request("$JS.API.STREAM.LEADER.STEPDOWN."+name, body, 2*time.Second); err != nil {
			n.log.Warn("leader step-down request failed", "stream", name, "error", err)
		} else {
			n.log.Info("asked for the leadership", "stream", name, "from", leaders[j])
		}
	}
}

func (sh *shard) streams() [3]string { return [3]string{sh.kvStream, sh.logStream, sh.sessStream} }

// leadsLocked reports whether node leads, or is preferred to lead, one of
// the shard's groups.
func (sh *shard) leadsLocked(node string) bool {
	return node != "" && (sh.leaders[0] == node || sh.leaders[1] == node || sh.leaders[2] == node || sh.preferred == node)
}

// TakePeer returns the node that should take key when no node owns it and
// this node leads (or is to lead) key's shard: another live member of the
// shard's groups that does not lead them, chosen by key. It returns ""
// when this node may take key itself (it leads nothing of the shard,
// external servers, or no other node fits).
func (n *Node) TakePeer(key string) string {
	if n.srv == nil {
		return ""
	}
	enc := encodeKey(key)
	sh := n.shardOf(enc)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !sh.leadsLocked(n.cfg.NodeID) {
		return ""
	}
	var cands []string
	for _, p := range sh.peers {
		if sh.live[p] && !sh.leadsLocked(p) && !n.isDown(p) {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return cands[h.Sum32()%uint32(len(cands))]
}

// markDown records that node did not answer a forward: TakePeer avoids it
// for a while.
func (n *Node) markDown(node string) {
	n.downMu.Lock()
	n.down[node] = time.Now().Add(10 * time.Second)
	n.downMu.Unlock()
}

func (n *Node) isDown(node string) bool {
	n.downMu.Lock()
	defer n.downMu.Unlock()
	return time.Now().Before(n.down[node])
}

// ShouldMove reports whether this node, which holds key's lease, should
// give it back because it now leads key's shard and another node could
// take it.
func (n *Node) ShouldMove(key string) bool { return n.TakePeer(key) != "" }

// Leaders returns, for each shard, the leaders of its lease bucket, its
// log stream and its session bucket as this node last saw them (tests,
// diagnostics).
func (n *Node) Leaders() [][3]string {
	out := make([][3]string, len(n.shards))
	for i, sh := range n.shards {
		sh.mu.Lock()
		out[i] = sh.leaders
		sh.mu.Unlock()
	}
	return out
}

// leadersNow refreshes and returns the shards' leaders.
func (n *Node) leadersNow(ctx context.Context) [][3]string {
	for _, sh := range n.shards {
		if ctx.Err() != nil {
			break
		}
		n.refreshShard(sh)
	}
	return n.Leaders()
}
