package cluster

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Config configures a Node. Exactly one of Embedded and Servers is set.
type Config struct {
	// NodeID names this node in the cluster; unique, made of letters,
	// digits, '-' and '_'. Required.
	NodeID string
	// Embedded runs a nats-server in this process that joins its peers by
	// routes. Nil means external servers.
	Embedded *Embedded
	// Servers are the NATS URLs of an external NATS cluster.
	Servers []string
	// Monitor are the HTTP monitoring URLs (http://host:8222) of the
	// external servers, used at start-up to check that every server runs
	// JetStream with sync_interval: always. Required with Servers.
	Monitor []string
	// Advertise is the address other nodes and clients are told to reach
	// this node's HTTP server at; informational. Default empty.
	Advertise string
	// Replicas is the replication factor of the lease bucket, the log and
	// the snapshots. Default: 3, or the number of embedded peers when
	// fewer.
	Replicas int
	// Shards is the number of lease buckets and log streams keys are
	// spread over (by hash). In embedded mode each shard's leaders are kept
	// on one node and that node does not take the shard's keys, so that a
	// node's death never forces an election of the groups its own keys'
	// new owner needs. Default: the number of embedded nodes (routes + 1),
	// else 3. Changing it on an existing cluster moves every key to a new,
	// empty shard: don't.
	Shards int
	// LeaseTTL is how long a node's session (and so its leases) lives
	// without renewal: the failover time of a dead node's objects.
	// Default 5 s.
	LeaseTTL time.Duration
	// Margin is subtracted from the TTL for the local deadline of a session,
	// against clock drift between this node and the servers and renewal
	// latency. Default max(1 s, LeaseTTL/5).
	Margin time.Duration
	// SnapshotEvery and SnapshotBytes say when Lease.NeedSnapshot turns
	// true: after this many changesets or bytes of changesets since the
	// last snapshot. Defaults 1000 and 8 MiB.
	SnapshotEvery int
	SnapshotBytes int64
	// StartTimeout bounds how long Start waits for JetStream to be ready
	// (a quorum of servers). Default 60 s.
	StartTimeout time.Duration
	// Prefix namespaces the subjects, bucket and stream names, so that
	// several isola clusters can share one NATS cluster. Default "isola".
	Prefix string
}

// Embedded configures the nats-server run in-process.
type Embedded struct {
	// Listen is the host:port the server accepts routes from its peers on.
	// Required.
	Listen string
	// Routes are the host:port route addresses of the other nodes.
	// Empty means a single-node cluster.
	Routes []string
	// Client is the host:port on which the server also accepts NATS
	// clients (for the nats CLI); default a random 127.0.0.1 port (this
	// node itself talks to it in-process).
	Client string
	// StoreDir holds JetStream's files. Required.
	StoreDir string
}

func (c *Config) defaults() {
	if c.Replicas <= 0 {
		c.Replicas = 3
		if c.Embedded != nil && len(c.Embedded.Routes)+1 < 3 {
			c.Replicas = len(c.Embedded.Routes) + 1
		}
	}
	if c.Shards <= 0 {
		c.Shards = 3
		if c.Embedded != nil {
			c.Shards = len(c.Embedded.Routes) + 1
		}
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 5 * time.Second
	}
	if c.Margin <= 0 {
		c.Margin = max(time.Second, c.LeaseTTL/5)
	}
	if c.SnapshotEvery <= 0 {
		c.SnapshotEvery = 1000
	}
	if c.SnapshotBytes <= 0 {
		c.SnapshotBytes = 8 << 20
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 60 * time.Second
	}
	if c.Prefix == "" {
		c.Prefix = "isola"
	}
}

// Validate reports every problem of c.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("cluster: "+format, args...)) }
	if !validToken(c.NodeID) {
		bad("node_id %q: want letters, digits, '-' and '_'", c.NodeID)
	}
	switch {
	case c.Embedded != nil && len(c.Servers) > 0:
		bad("embedded and servers are exclusive")
	case c.Embedded == nil && len(c.Servers) == 0:
		bad("need embedded or servers")
	}
	if e := c.Embedded; e != nil {
		if _, _, err := net.SplitHostPort(e.Listen); err != nil {
			bad("embedded.listen %q: %v", e.Listen, err)
		}
		if e.StoreDir == "" {
			bad("embedded: store directory required")
		}
		seen := map[string]bool{e.Listen: true}
		for _, r := range e.Routes {
			if _, _, err := net.SplitHostPort(strings.TrimPrefix(r, "nats-route://")); err != nil {
				bad("embedded.routes %q: %v", r, err)
			}
			if seen[r] {
				bad("embedded.routes %q: listed twice or is this node's own listen address", r)
			}
			seen[r] = true
		}
		if c.Replicas > len(e.Routes)+1 {
			bad("replicas %d: more than the %d nodes of the cluster", c.Replicas, len(e.Routes)+1)
		}
	}
	if len(c.Servers) > 0 && len(c.Monitor) == 0 {
		bad("servers: monitor URLs required to check sync_interval: always")
	}
	if c.Replicas > 5 {
		bad("replicas %d: JetStream allows at most 5", c.Replicas)
	}
	if c.Shards > 64 {
		bad("shards %d: at most 64", c.Shards)
	}
	if c.Margin >= c.LeaseTTL {
		bad("margin %v must be below lease TTL %v", c.Margin, c.LeaseTTL)
	}
	return errors.Join(errs...)
}

func validToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
