package cluster

// Peer channels: requests from one node to another that belong to no key's
// ownership (internal/actor relays the events of WebSockets whose client
// reached one node and whose object runs on another over channel "ws").
// Each channel of a node is one NATS subject, <prefix>.node.<id>.<channel>,
// subscribed for as long as the node serves it, so that the interest has
// reached every server long before a peer first uses it.

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
)

// ErrUnreachable is returned by Request when no node answers on the
// channel: the node is gone, or does not serve the channel (yet).
var ErrUnreachable = errors.New("cluster: node unreachable")

const hdrFrom = "Isola-From"

// PeerHandler serves one request of a peer channel: from is the sending
// node, data the request. It runs on the channel's one goroutine, in the
// order the requests arrived, so it must not block; it calls reply exactly
// once, then or later from any goroutine.
type PeerHandler func(from string, data []byte, reply func([]byte))

func (n *Node) peerSubject(node, channel string) string {
	return n.cfg.Prefix + ".node." + node + ".peer." + channel
}

// Listen starts answering requests on this node's channel with h. The
// returned stop ends it. A channel is served by at most one Listen at a
// time.
func (n *Node) Listen(channel string, h PeerHandler) (stop func(), err error) {
	if !validToken(channel) {
		return nil, fmt.Errorf("cluster: listen: bad channel name %q", channel)
	}
	sub, err := n.nc.Subscribe(n.peerSubject(n.cfg.NodeID, channel), func(m *nats.Msg) {
		from := ""
		if m.Header != nil {
			from = m.Header.Get(hdrFrom)
		}
		h(from, m.Data, func(b []byte) {
			if m.Reply != "" {
				_ = m.Respond(b) // the requester is gone or times out: nothing to do
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: listen %s: %w", channel, err)
	}
	if err := n.nc.Flush(); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("cluster: listen %s: %w", channel, err)
	}
	return func() { sub.Unsubscribe() }, nil
}

// Request sends data to node's channel and returns its handler's reply. It
// returns ErrUnreachable when nothing answers on that channel at once
// (NATS "no responders"), the context's error when no reply came in time.
func (n *Node) Request(ctx context.Context, node, channel string, data []byte) ([]byte, error) {
	msg := nats.NewMsg(n.peerSubject(node, channel))
	msg.Header.Set(hdrFrom, n.cfg.NodeID)
	msg.Data = data
	resp, err := n.nc.RequestMsgWithContext(ctx, msg)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, fmt.Errorf("cluster: %s on %s: %w", channel, node, ErrUnreachable)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: %s on %s: %w", channel, node, err)
	}
	return resp.Data, nil
}

// MaxPayload is the largest request the NATS servers accept, headers
// included (1 MiB unless the servers' max_payload says otherwise).
func (n *Node) MaxPayload() int64 { return n.nc.MaxPayload() }
