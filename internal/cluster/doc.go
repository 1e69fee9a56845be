// Package cluster runs isola on several nodes over NATS JetStream: it owns
// the connection to NATS (an embedded nats-server per node joined by routes,
// or an external NATS cluster), ownership leases in a replicated KV bucket,
// the replicated log of each object's changesets with fenced appends,
// snapshots in the JetStream object store, owner lookup and request
// forwarding over NATS request/reply.
//
// It knows nothing about Durable Objects, JavaScript or SQLite: keys are
// opaque strings, changesets and snapshots are bytes, forwarded requests are
// bytes. internal/actor maps its objects onto it. It must not import the
// actor, worker or engine packages.
//
// # Model
//
// An object's key has one lease at a time: a KV entry naming the holder and
// its session in the key's shard, whose revision when taken is the object's
// epoch. The holder renews its session (one per shard, created with the
// session bucket's TTL) by compare-and-set, not each lease; a lease is
// valid while its session is, and another node takes it over once that
// session is gone. A holder that cannot renew considers the session and
// its leases lost at a local deadline (renew send time + TTL - Margin),
// before the servers can expire it (session.go).
//
// Every object has one subject in the log stream. The new holder of a lease
// first appends an epoch marker with an expected-last-subject-sequence
// condition, then rebuilds the object from what precedes the marker. Every
// later append carries the sequence of the holder's previous one, so once
// another node has appended a marker, a stale holder's append is refused by
// the stream itself (ErrFenced). Snapshots are stored in the object store
// and referenced by a snapshot marker appended under the same condition;
// the subject is then purged behind the marker.
package cluster
