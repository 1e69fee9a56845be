package cluster_test

// A network partition in network namespaces made by the test (Linux, root,
// iproute2): three isola nodes, each in its own namespace, joined by a
// bridge in a fourth; the test reaches them through a veth of its own. It
// skips when namespaces cannot be made and deletes every one it made.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// netnsLab is a bridge namespace and one namespace per node.
type netnsLab struct {
	t      testing.TB
	sfx    string
	subnet string // "10.a.b."
	nss    []string
	routes [][2]string // blackhole routes added: namespace, prefix
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newNetnsLab makes size namespaces on one bridge, or skips the test.
func newNetnsLab(t testing.TB, size int) *netnsLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network namespaces need iproute2's ip (apt-get install -y iproute2)")
	}
	lab := &netnsLab{t: t, sfx: fmt.Sprintf("%04x", rand.IntN(1<<16)),
		subnet: fmt.Sprintf("10.%d.%d.", 200+rand.IntN(50), rand.IntN(250))}
	hub := "isola-hub-" + lab.sfx
	if err := ipCmd("netns", "add", hub); err != nil {
		t.Skipf("cannot create network namespaces: %v", err)
	}
	lab.nss = append(lab.nss, hub)
	t.Cleanup(lab.cleanup)
	must := func(args ...string) {
		t.Helper()
		if err := ipCmd(args...); err != nil {
			t.Fatal(err)
		}
	}
	must("-n", hub, "link", "add", "br0", "type", "bridge")
	must("-n", hub, "link", "set", "br0", "up")
	// The test's own leg: .100 in the root namespace.
	root, rootPeer := "ir"+lab.sfx, "ih0"+lab.sfx
	must("link", "add", root, "type", "veth", "peer", "name", rootPeer)
	must("link", "set", rootPeer, "netns", hub)
	must("-n", hub, "link", "set", rootPeer, "master", "br0", "up")
	must("addr", "add", lab.subnet+"100/24", "dev", root)
	must("link", "set", root, "up")
	for i := 1; i <= size; i++ {
		ns := fmt.Sprintf("isola-n%d-%s", i, lab.sfx)
		must("netns", "add", ns)
		lab.nss = append(lab.nss, ns)
		in, out := fmt.Sprintf("iv%d%s", i, lab.sfx), fmt.Sprintf("ih%d%s", i, lab.sfx)
		must("link", "add", in, "type", "veth", "peer", "name", out)
		must("link", "set", out, "netns", hub)
		must("-n", hub, "link", "set", out, "master", "br0", "up")
		must("link", "set", in, "netns", ns)
		must("-n", ns, "link", "set", "lo", "up")
		must("-n", ns, "addr", "add", fmt.Sprintf("%s%d/24", lab.subnet, i), "dev", in)
		must("-n", ns, "link", "set", in, "up")
	}
	return lab
}

// nodes returns the namespace and address of each node.
func (lab *netnsLab) nodes() [][2]string {
	var out [][2]string
	for i, ns := range lab.nss[1:] {
		out = append(out, [2]string{ns, fmt.Sprintf("%s%d", lab.subnet, i+1)})
	}
	return out
}

// cut stops all traffic between node i (0-based) and the other nodes; the
// test still reaches every node.
func (lab *netnsLab) cut(i int) {
	lab.t.Helper()
	nodes := lab.nodes()
	for j, n := range nodes {
		if j == i {
			continue
		}
		for _, r := range [][2]string{{nodes[i][0], n[1] + "/32"}, {n[0], nodes[i][1] + "/32"}} {
			if err := ipCmd("-n", r[0], "route", "add", "blackhole", r[1]); err != nil {
				lab.t.Fatal(err)
			}
			lab.routes = append(lab.routes, r)
		}
	}
}

// heal removes the cut.
func (lab *netnsLab) heal() {
	lab.t.Helper()
	for _, r := range lab.routes {
		if err := ipCmd("-n", r[0], "route", "del", "blackhole", r[1]); err != nil {
			lab.t.Error(err)
		}
	}
	lab.routes = nil
}

func (lab *netnsLab) cleanup() {
	for _, ns := range slices.Backward(lab.nss) {
		if err := ipCmd("netns", "del", ns); err != nil {
			lab.t.Errorf("cleanup: %v", err)
		}
	}
	// The root leg goes with its peer in the hub; make sure.
	exec.Command("ip", "link", "del", "ir"+lab.sfx).Run()
}

// epochs returns, in log order, the epochs at which p took object id.
func epochs(p *proc, id string) []uint64 {
	f, err := os.Open(p.log.Name())
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []uint64
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Msg    string `json:"msg"`
			Object string `json:"object"`
			Epoch  uint64 `json:"epoch"`
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Msg == "took object" && e.Object == id {
			out = append(out, e.Epoch)
		}
	}
	return out
}

// TestProcessPartition cuts an object's owner off the other two nodes
// under writes to both sides: the cut-off side acknowledges nothing more,
// the majority takes the object over with a higher epoch, and after the
// heal the old owner's unacknowledged writes are gone while every
// acknowledged one is there.
func TestProcessPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 3 isola processes in network namespaces")
	}
	lab := newNetnsLab(t, 3)
	const lease = 3 * time.Second
	tn := startNetIn(t, 3, int(lease.Milliseconds()), lab.nodes())
	tn.waitLeadersPlaced()
	old, major := tn.nodes[0], tn.nodes[1]
	obj := placeOn(t, old, "part", 1)[0]
	id, err := get(old.http, "/id/"+obj)
	if err != nil {
		t.Fatal(err)
	}
	l := &ledger{acked: map[string][]string{}}
	for i := range 5 {
		for _, p := range []*proc{old, major} {
			k := fmt.Sprintf("before-%s-%d", p.id, i)
			if _, err := get(p.http, "/w/"+obj+"/"+k); err != nil {
				t.Fatalf("write %s: %v", k, err)
			}
			l.ack(obj, k)
		}
	}
	before := epochs(old, id)
	if len(before) == 0 {
		t.Fatalf("no epoch of %s in %s's log", id, old.id)
	}

	lab.cut(0)
	cutAt := time.Now()
	t.Logf("cut %s off at %s", old.id, cutAt.Format("15:04:05.000"))
	// Writes to the cut-off owner, one at a time, each with a 5 s limit.
	// A write the cut-off node answered with an error is definitely not
	// acknowledged; one whose request timed out has an unknown outcome (the
	// node keeps trying for up to actor.ForwardTimeout and may forward it
	// to the new owner after the heal).
	var (
		mu         sync.Mutex
		cutAcked   []string
		cutFailed  []string
		cutUnknown []string
	)
	stopCut := make(chan struct{})
	var cw sync.WaitGroup
	cw.Go(func() {
		c := &http.Client{Timeout: 5 * time.Second}
		for i := 0; ; i++ {
			select {
			case <-stopCut:
				return
			default:
			}
			k := fmt.Sprintf("cut-%d", i)
			resp, err := c.Get("http://" + old.http + "/w/" + obj + "/" + k)
			mu.Lock()
			switch {
			case err != nil:
				cutUnknown = append(cutUnknown, k)
			case resp.StatusCode == 200:
				cutAcked = append(cutAcked, k)
				l.ack(obj, k)
			default:
				cutFailed = append(cutFailed, k)
			}
			mu.Unlock()
			if err == nil {
				resp.Body.Close()
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	// The majority takes over.
	var took time.Duration
	for i := 0; ; i++ {
		k := fmt.Sprintf("major-%d", i)
		who, err := get(major.http, "/w/"+obj+"/"+k)
		if err == nil {
			if who == old.id {
				t.Fatalf("the majority's write was acknowledged by the cut-off node")
			}
			l.ack(obj, k)
			if took == 0 {
				took = time.Since(cutAt)
				t.Logf("majority took the object over on %s after %v", who, took.Round(100*time.Millisecond))
			}
			if i >= 5 && time.Since(cutAt) > lease+5*time.Second {
				break
			}
		} else if time.Since(cutAt) > 60*time.Second {
			t.Fatalf("no takeover 60 s after the cut: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stopCut)
	cw.Wait()
	t.Logf("cut-off side: %d writes acknowledged, %d refused, %d timed out (outcome unknown)", len(cutAcked), len(cutFailed), len(cutUnknown))
	if len(cutAcked) > 0 {
		t.Errorf("the cut-off node acknowledged writes without a quorum: %v", cutAcked)
	}

	lab.heal()
	healAt := time.Now()
	for i := 0; ; i++ {
		k := fmt.Sprintf("healed-%d", i)
		who, err := get(old.http, "/w/"+obj+"/"+k)
		if err == nil {
			l.ack(obj, k)
			t.Logf("old owner answers again %v after the heal (object on %s)", time.Since(healAt).Round(100*time.Millisecond), who)
			break
		}
		if time.Since(healAt) > 60*time.Second {
			t.Fatalf("old owner still cut off 60 s after the heal: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	tn.verify(l, tn.nodes[2])
	body, err := get(tn.nodes[2].http, "/r/"+obj)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range cutFailed {
		if strings.Contains(body, `"`+k+`"`) {
			t.Errorf("unacknowledged write %s of the cut-off owner survived the heal", k)
		}
	}
	// Epochs only grow: every later owner's epoch is above the old one's.
	var after []uint64
	for _, p := range tn.nodes {
		e := epochs(p, id)
		if p == old {
			e = e[len(before):]
		}
		after = append(after, e...)
	}
	t.Logf("epochs of the object: %v before the cut, %v after", before, after)
	if len(after) == 0 {
		t.Errorf("no new epoch after the takeover")
	}
	for _, e := range after {
		if e <= slices.Max(before) {
			t.Errorf("epoch %d after the cut is not above %d", e, slices.Max(before))
		}
	}
}
