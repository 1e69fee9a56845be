package actor

// WebSockets across nodes (cluster mode). A client's socket stays on the
// node the client reached; the object it talks to runs on its owner. When
// a fetch forwarded to the owner answers 101 with a webSocket, the owner
// exports the end the object returned to the forwarding node
// (websocket.Relay.Export) and that node imports it: it gets an end of
// its own, joined to the owner's over NATS (channel "ws" of
// cluster.Node.Listen), which it serves to the client as if the object ran
// here. Everything the object sees stays on the owner: the end it accepted
// (hibernatable or not), its tags and attachment, getWebSockets(), the
// auto-response, hibernation. An object holding hibernatable sockets keeps
// its lease while it hibernates (releaseLease), so the sockets' next event
// wakes it on the node where they are.
//
// Failures: if the owner loses the object's lease, its sockets are closed
// with 1012 (closeSockets), wherever their clients are; if the owner's
// node dies, the client's node closes its clients with 1012 once the
// owner has answered nothing for the relay's DeadAfter (5 s); if the
// client's node dies, the object sees its sockets close with 1006 after
// the same time (websocket/relay.go).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/isola-run/isola/internal/websocket"
)

// ReasonMoved is the close reason of a socket whose object's lease this
// node lost (code websocket.CodeRelayLost, 1012): another node may own the
// object now; the client reconnects.
const ReasonMoved = "isola: the Durable Object moved to another node"

// relayChannel is the cluster.Node peer channel of relayed sockets.
const relayChannel = "ws"

// initRelay starts the relay of this node's sockets and serves the peer
// channel with it.
func (m *Manager) initRelay() {
	node := m.cl.node
	// A message with its headers must fit the servers' max_payload.
	chunk := max(int(node.MaxPayload())-4096, 16<<10)
	r := websocket.Default.NewRelay(websocket.RelayOptions{
		Send: func(ctx context.Context, peer string, msg []byte) ([]byte, error) {
			return node.Request(ctx, peer, relayChannel, msg)
		},
		Chunk:  chunk,
		Logger: m.log,
	})
	stop, err := node.Listen(relayChannel, r.Handle)
	if err != nil {
		// Sockets across nodes fail (imports are refused); the rest works.
		m.log.Error("serving relayed WebSockets failed", "error", err)
	}
	m.cl.relay, m.cl.stopRelay = r, stop
}

// closeRelay ends every relayed socket (Manager.Close: the node is going
// away, clients get 1001 as local ones do) and the relay's subscription.
func (m *Manager) closeRelay() {
	if m.cl == nil || m.cl.relay == nil {
		return
	}
	m.cl.relay.Close(1001, "isola: node shutting down")
	if m.cl.stopRelay != nil {
		m.cl.stopRelay()
	}
}

// exportSocket exports the WebSocket of key's 101 answer doc to node from,
// which forwarded the fetch, and returns the link id for the reply.
func (m *Manager) exportSocket(key objKey, doc map[string]any, from string) (uint64, error) {
	id, _ := doc["webSocket"].(float64)
	e := websocket.Default.Get(uint64(id))
	if from == "" || from == m.cl.node.ID() || e == nil {
		// A node without relayed sockets cannot serve this end: refuse
		// the upgrade, and close the end so that the object sees it go.
		if e != nil {
			e.Abort(1011, "upgrade refused: the client reached a cluster node that cannot relay WebSockets")
		}
		return 0, fmt.Errorf("actor[%s]: WebSocket upgrade forwarded by node %q, which cannot relay sockets (run the same isola version on every node)", key.id, from)
	}
	// A socket the object accept()ed (not hibernatable) keeps it in
	// memory while open, as for a local client (do.fetch).
	m.pinWhileOpen(key, doc["webSocket"])
	link, err := m.cl.relay.Export(e, from, clusterKey(key))
	if err != nil {
		e.Abort(1011, "upgrade refused")
		return 0, fmt.Errorf("actor[%s]: export WebSocket to node %s: %w", key.id, from, err)
	}
	return link, nil
}

// importSocket joins this node to the socket node exported for key's 101
// answer doc, and puts this node's end in doc.
func (m *Manager) importSocket(ctx context.Context, node string, key objKey, link uint64, v any) error {
	doc, _ := v.(map[string]any)
	if doc == nil {
		return fmt.Errorf("actor[%s]: a WebSocket from node %s without its response", key.id, node)
	}
	e, err := m.cl.relay.Import(ctx, node, link)
	if err != nil {
		return fmt.Errorf("actor[%s]: %w", key.id, err)
	}
	doc["webSocket"] = float64(e.ID())
	return nil
}

// closeSockets closes key's sockets after this node lost its lease: the
// hibernatable ones and those relayed to clients on other nodes get 1012
// and ReasonMoved, so that their clients reconnect to the new owner.
func (m *Manager) closeSockets(key objKey) {
	m.hib.mu.Lock()
	var ends []*websocket.Endpoint
	if o := m.hib.objs[key]; o != nil {
		ends = o.sockets
		delete(m.hib.objs, key)
	}
	m.hib.mu.Unlock()
	for _, e := range ends {
		e.Abort(websocket.CodeRelayLost, ReasonMoved)
	}
	if m.cl.relay != nil {
		m.cl.relay.AbortTag(clusterKey(key), websocket.CodeRelayLost, ReasonMoved)
	}
	if len(ends) > 0 {
		m.log.Warn("lost a Durable Object's lease: closed its WebSockets", "object", key.id, "sockets", len(ends))
	}
}

// releaseUnused gives up the lease of an object that is not in memory and
// holds no socket any more (its last socket closed while it hibernated).
func (m *Manager) releaseUnused(key objKey) {
	if m.cl == nil || m.hib.sockets(key) > 0 {
		return
	}
	m.mu.Lock()
	_, resident := m.objects[key]
	m.mu.Unlock()
	if resident {
		return // released when evicted
	}
	m.cl.mu.Lock()
	l := m.cl.leases[key]
	if l != nil {
		delete(m.cl.leases, key)
	}
	m.cl.mu.Unlock()
	if l != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := l.Release(ctx); err != nil && !errors.Is(err, context.Canceled) {
				m.log.Warn("lease release failed", "object", key.id, "error", err)
			}
		}()
	}
}
