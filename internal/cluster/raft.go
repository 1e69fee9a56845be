package cluster

// Raft timing of the embedded nats-server.
//
// When a node dies, every Raft group it led (a shard's lease bucket, log
// stream and session bucket, and maybe the JetStream meta group) has no
// leader until a follower's election timer fires: nats-server draws it
// between 4 and 9 s after the last heartbeat (sent every second), and a
// split vote draws again. The objects of those groups wait for it: 5 to
// 9 s measured, once 14 s, on top of whatever the request then needs.
// nats-server has no option for these timings; they are package variables
// of server/raft.go (its own tests shorten them the same way). In embedded
// mode isola sets them, through go:linkname, to a heartbeat every 250 ms
// and an election timeout drawn between 1.5 and 3 s: a follower campaigns
// only after missing six heartbeats in a row, so a busy machine does not
// make the groups flap, and a follower campaigns 1.5-3 s after the last
// heartbeat of a dead leader (a split vote draws once more). Measured:
// every object back 2.9-4.7 s after kill -9 of a leader with a 3 s lease
// TTL (TestProcessKill9Leaders, bench/results/2026-11-29-cluster.md).
//
// The variables are unexported: they are pinned to the nats-server
// version in go.mod. Before changing them, tuneRaft checks that they hold
// that version's defaults (a variable that nats-server removed would be
// a zero variable of this package: the linker does not complain); if not,
// it changes nothing and the servers keep their own timing.
// TestRaftTiming fails on either, so an upgrade of nats-server is checked
// again. The timing is the process's: nats-servers that tests start
// in-process get it too. External NATS servers keep theirs (the
// defaults: failover of their groups takes their 4-9 s election).

import (
	"fmt"
	"time"
	_ "unsafe" // go:linkname

	_ "github.com/nats-io/nats-server/v2/server" // defines the variables below
)

// raftNATSVersion is the nats-server version whose server/raft.go the
// variables below are read from.
const raftNATSVersion = "v2.15.2"

//go:linkname raftHeartbeat github.com/nats-io/nats-server/v2/server.hbInterval
var raftHeartbeat time.Duration

//go:linkname raftMinElection github.com/nats-io/nats-server/v2/server.minElectionTimeout
var raftMinElection time.Duration

//go:linkname raftMaxElection github.com/nats-io/nats-server/v2/server.maxElectionTimeout
var raftMaxElection time.Duration

// raftTiming is a set of the tuned variables.
type raftTiming struct {
	Heartbeat, MinElection, MaxElection time.Duration
}

var (
	// raftDefault is nats-server v2.15.2's timing.
	raftDefault = raftTiming{Heartbeat: time.Second, MinElection: 4 * time.Second, MaxElection: 9 * time.Second}
	// raftEmbedded is the timing isola gives its embedded servers.
	raftEmbedded = raftTiming{Heartbeat: 250 * time.Millisecond, MinElection: 1500 * time.Millisecond, MaxElection: 3 * time.Second}
	// raftTuneErr says why the timing was left alone, or is nil.
	raftTuneErr error
)

func currentRaftTiming() raftTiming {
	return raftTiming{Heartbeat: raftHeartbeat, MinElection: raftMinElection, MaxElection: raftMaxElection}
}

// Before any server of this process runs: the variables are read without
// a lock by the servers' goroutines.
func init() { raftTuneErr = tuneRaft() }

// tuneRaft sets raftEmbedded if the variables hold raftDefault.
func tuneRaft() error {
	if cur := currentRaftTiming(); cur != raftDefault {
		return fmt.Errorf("cluster: nats-server raft timing is %+v, not %s's %+v: left alone (check server/raft.go of the new version)", cur, raftNATSVersion, raftDefault)
	}
	raftHeartbeat, raftMinElection, raftMaxElection = raftEmbedded.Heartbeat, raftEmbedded.MinElection, raftEmbedded.MaxElection
	return nil
}
