package config

import (
	"net"
	"regexp"
)

// Cluster is isola's top-level "cluster" table: this process is one node of
// several sharing Durable Objects over NATS JetStream (internal/cluster,
// docs/deployment.md). nil when absent: one process, local SQLite only.
//
//	"cluster": {
//	  "node_id": "n1",
//	  "embedded": { "listen": "10.0.0.1:6222", "routes": ["10.0.0.2:6222", "10.0.0.3:6222"] },
//	  // or "servers": ["nats://10.0.0.9:4222"], "monitor": ["http://10.0.0.9:8222"],
//	  "advertise": "10.0.0.1:8787"
//	}
type Cluster struct {
	// NodeID is "node_id", unique per node: letters, digits, '-', '_'.
	// Required.
	NodeID string
	// Embedded is "embedded": run a nats-server in-process. Exactly one of
	// Embedded and Servers is set.
	Embedded *ClusterEmbedded
	// Servers is "servers": NATS URLs of an external cluster.
	Servers []string
	// Monitor is "monitor": the external servers' HTTP monitoring URLs,
	// used to check sync_interval: always at start-up. Required with
	// Servers.
	Monitor []string
	// Advertise is "advertise": the address this node's HTTP server is
	// reached at. Default empty.
	Advertise string
	// Replicas is "replicas"; 0 means the default (3, or fewer embedded
	// nodes).
	Replicas int
	// LeaseTTLMs is "lease_ttl_ms"; 0 means the default (5000, internal/cluster).
	LeaseTTLMs int

	pos pos
}

// ClusterEmbedded is "cluster.embedded".
type ClusterEmbedded struct {
	// Listen is "listen": host:port for routes from the other nodes.
	// Required.
	Listen string
	// Routes is "routes": the other nodes' listen addresses.
	Routes []string
	// Client is "client": host:port for NATS clients; default a random
	// loopback port.
	Client string
	// StoreDir is "store_dir", relative to the config file; default
	// "<persist-to>/nats".
	StoreDir string
}

var nodeIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (d *decoder) cluster(n *node, path string) *Cluster {
	c := Cluster{pos: n.pos}
	if !d.fields(n, path, "an object", func(m *member, p string) bool {
		switch m.key {
		case "node_id":
			c.NodeID = d.reqStr(m.val, p)
			if c.NodeID != "" && !nodeIDPattern.MatchString(c.NodeID) {
				d.errorf(m.val.pos, "%q must be letters, digits, \"-\" and \"_\", not %q", p, c.NodeID)
			}
		case "embedded":
			c.Embedded = d.clusterEmbedded(m.val, p)
		case "servers":
			c.Servers, _ = d.strList(m.val, p)
		case "monitor":
			c.Monitor, _ = d.strList(m.val, p)
		case "advertise":
			c.Advertise = d.reqStr(m.val, p)
		case "replicas":
			if v, ok := d.integer(m.val, p, 1, 5); ok {
				c.Replicas = int(v)
			}
		case "lease_ttl_ms":
			if v, ok := d.integer(m.val, p, 1000, 600000); ok {
				c.LeaseTTLMs = int(v)
			}
		default:
			return false
		}
		return true
	}) {
		return nil
	}
	d.required(n, path, "node_id")
	switch {
	case c.Embedded != nil && len(c.Servers) > 0:
		d.errorf(n.pos, "%q must have \"embedded\" or \"servers\", not both", path)
	case c.Embedded == nil && len(c.Servers) == 0 && n.get("embedded") == nil:
		d.errorf(n.pos, "%q needs \"embedded\" or \"servers\"", path)
	case len(c.Servers) > 0 && len(c.Monitor) == 0:
		d.errorf(n.pos, "%q with \"servers\" needs \"monitor\" URLs (to check sync_interval: always)", path)
	}
	return &c
}

func (d *decoder) clusterEmbedded(n *node, path string) *ClusterEmbedded {
	var e ClusterEmbedded
	if !d.fields(n, path, "an object", func(m *member, p string) bool {
		switch m.key {
		case "listen", "client":
			s := d.reqStr(m.val, p)
			if _, _, err := net.SplitHostPort(s); s != "" && err != nil {
				d.errorf(m.val.pos, "%q must be host:port, not %q", p, s)
			}
			if m.key == "listen" {
				e.Listen = s
			} else {
				e.Client = s
			}
		case "routes":
			var poss []pos
			e.Routes, poss = d.strList(m.val, p)
			for i, r := range e.Routes {
				if r == e.Listen {
					d.errorf(poss[i], "%q lists this node's own listen address %q", index(p, i), r)
				}
			}
		case "store_dir":
			e.StoreDir = d.reqStr(m.val, p)
		default:
			return false
		}
		return true
	}) {
		return nil
	}
	d.required(n, path, "listen")
	return &e
}
