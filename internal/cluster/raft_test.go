package cluster

import (
	"os"
	"strings"
	"testing"
)

// TestRaftTiming guards the go:linkname tuning of nats-server's Raft
// timing (raft.go): the variables held the defaults of the version it was
// written against and now hold isola's timing, and go.mod still requires
// that version. On a nats-server upgrade, read the new server/raft.go
// (the variables, their defaults, what reads them), then update
// raftNATSVersion and raftDefault.
func TestRaftTiming(t *testing.T) {
	if raftTuneErr != nil {
		t.Fatalf("tuneRaft() = %v", raftTuneErr)
	}
	if got := currentRaftTiming(); got != raftEmbedded {
		t.Errorf("raft timing = %+v; want %+v", got, raftEmbedded)
	}
	// A follower campaigns only after missing several heartbeats; fewer
	// would make groups flap on a busy machine.
	if e := raftEmbedded; e.MinElection < 6*e.Heartbeat || e.MaxElection <= e.MinElection {
		t.Errorf("raftEmbedded = %+v: want an election timeout of at least 6 heartbeats and a range to draw from", e)
	}
	// Test binaries carry no module list: read go.mod.
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var version string
	inReplace := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "replace" && len(f) == 2 && f[1] == "(":
			inReplace = true
		case inReplace && f[0] == ")":
			inReplace = false
		case (inReplace || f[0] == "replace") && strings.Contains(line, "nats-server"):
			t.Errorf("go.mod replaces nats-server (%s): check its raft.go", strings.TrimSpace(line))
		case len(f) >= 2 && f[0] == "github.com/nats-io/nats-server/v2":
			version = f[1]
		case len(f) >= 3 && f[0] == "require" && f[1] == "github.com/nats-io/nats-server/v2":
			version = f[2]
		}
	}
	if version != raftNATSVersion {
		t.Errorf("go.mod requires nats-server %q; raft.go was checked against %s", version, raftNATSVersion)
	}
}
