package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Node is this process's membership in the cluster: its NATS connection
// (and embedded server), the lease bucket, the log stream and the snapshot
// store. It is goroutine-safe.
type Node struct {
	cfg Config
	log *slog.Logger
	srv *server.Server // nil with external servers
	nc  *nats.Conn
	js  jetstream.JetStream
	// shards hold the lease buckets and log streams, a key's in the shard
	// shardOf names (shard.go).
	shards []*shard
	obs    jetstream.ObjectStore
	// alarms is the alarm index (alarm.go).
	alarms jetstream.KeyValue
	ctx    context.Context
	stop   context.CancelFunc

	mu      sync.Mutex            // guards following
	owners  map[string]leaseValue // encoded key -> holder, from the KV watch
	handler Handler
	sub     *nats.Subscription
	leases  map[string]*Lease // held leases by encoded key
	// alarmIdx is the alarm index from its watch: encoded key -> ms.
	alarmIdx map[string]int64
	closed   bool

	downMu sync.Mutex           // guards down; taken with a shard's mu held
	down   map[string]time.Time // node -> until when it counts as down

	// abandonSem bounds the deletions of lost leases' entries under way
	// (Lease.abandonLocked): a session's loss loses every lease of its
	// shard.
	abandonSem chan struct{}
}

// Start joins the cluster described by cfg: it starts the embedded server
// (or checks the external ones), connects, and creates the lease bucket,
// the log stream and the snapshot store if needed. It fails with a clear
// error when the servers do not run JetStream with sync_interval: always or
// when no quorum is reached within cfg.StartTimeout.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Node, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	n := &Node{
		cfg: cfg, log: log.With("node", cfg.NodeID),
		owners: map[string]leaseValue{}, leases: map[string]*Lease{}, alarmIdx: map[string]int64{},
		down: map[string]time.Time{}, abandonSem: make(chan struct{}, 8),
	}
	n.ctx, n.stop = context.WithCancel(context.Background())
	ctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	if err := n.connect(ctx); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.setup(ctx); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) connect(ctx context.Context) error {
	opts := []nats.Option{
		nats.Name("isola-" + n.cfg.NodeID),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(100 * time.Millisecond),
	}
	if e := n.cfg.Embedded; e != nil {
		if raftTuneErr != nil {
			n.log.Warn("embedded NATS keeps its default Raft timing: groups a dead node led elect a new leader after 4-9 s, not 1.5-3 s", "error", raftTuneErr)
		}
		srv, err := startEmbedded(n.cfg)
		if err != nil {
			return err
		}
		n.srv = srv
		opts = append(opts, nats.InProcessServer(srv))
		nc, err := nats.Connect("", opts...)
		if err != nil {
			return fmt.Errorf("cluster: connect to embedded server: %w", err)
		}
		n.nc = nc
		return nil
	}
	if err := checkMonitors(ctx, n.cfg.Monitor); err != nil {
		return err
	}
	opts = append(opts, nats.Timeout(5*time.Second))
	nc, err := nats.Connect(strings.Join(n.cfg.Servers, ","), opts...)
	if err != nil {
		return fmt.Errorf("cluster: connect to %v: %w", n.cfg.Servers, err)
	}
	n.nc = nc
	return nil
}

// startEmbedded runs nats-server in-process with JetStream and
// sync_interval: always (every write is fsynced before it is acknowledged).
func startEmbedded(cfg Config) (*server.Server, error) {
	e := cfg.Embedded
	host, port, err := splitHostPort(e.Listen)
	if err != nil {
		return nil, fmt.Errorf("cluster: embedded.listen %q: %w", e.Listen, err)
	}
	o := &server.Options{
		ServerName: cfg.NodeID,
		JetStream:  true,
		StoreDir:   e.StoreDir,
		SyncAlways: true,
		NoSigs:     true,
		NoLog:      true,
		// Routing waits for the client listener, so there always is one:
		// a random loopback port unless Client names one.
		Host: "127.0.0.1",
		Port: server.RANDOM_PORT,
	}
	if e.Client != "" {
		o.Host, o.Port, err = splitHostPort(e.Client)
		if err != nil {
			return nil, fmt.Errorf("cluster: embedded.client %q: %w", e.Client, err)
		}
	}
	if len(e.Routes) > 0 {
		o.Cluster = server.ClusterOpts{Name: cfg.Prefix, Host: host, Port: port}
		var urls []string
		for _, r := range e.Routes {
			if !strings.Contains(r, "://") {
				r = "nats-route://" + r
			}
			urls = append(urls, r)
		}
		o.Routes = server.RoutesFromStr(strings.Join(urls, ","))
	}
	srv, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("cluster: embedded server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("cluster: embedded server on %s did not start (is the port in use?)", e.Listen)
	}
	if c := srv.JetStreamConfig(); c == nil || !c.SyncAlways {
		srv.Shutdown()
		return nil, errors.New("cluster: embedded server: JetStream is not running with sync_interval: always")
	}
	return srv, nil
}

// checkMonitors asks every external server's /varz whether JetStream runs
// with sync_interval: always: with the default interval, writes
// acknowledged just before a crash of a majority can be lost.
func checkMonitors(ctx context.Context, urls []string) error {
	var errs []error
	for _, u := range urls {
		var v struct {
			ServerName string `json:"server_name"`
			JetStream  struct {
				Config *struct {
					SyncAlways bool `json:"sync_always"`
				} `json:"config"`
			} `json:"jetstream"`
		}
		req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(u, "/")+"/varz", nil)
		if err == nil {
			var resp *http.Response
			resp, err = http.DefaultClient.Do(req)
			if err == nil {
				err = json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
			}
		}
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("cluster: monitor %s: %w", u, err))
		case v.JetStream.Config == nil:
			errs = append(errs, fmt.Errorf("cluster: server %s (%s): JetStream is not enabled", v.ServerName, u))
		case !v.JetStream.Config.SyncAlways:
			errs = append(errs, fmt.Errorf("cluster: server %s (%s): JetStream must run with sync_interval: always (acknowledged writes can be lost otherwise)", v.ServerName, u))
		}
	}
	return errors.Join(errs...)
}

// setup creates the bucket, stream and object store, retrying while
// JetStream has no quorum yet.
func (n *Node) setup(ctx context.Context) error {
	js, err := jetstream.New(n.nc)
	if err != nil {
		return fmt.Errorf("cluster: jetstream: %w", err)
	}
	n.js = js
	r := n.cfg.Replicas
	var last error
	for {
		last = n.create(ctx, r)
		if last == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: JetStream with %d replicas not ready after %v (are the other nodes running and their routes reachable?): %w", r, n.cfg.StartTimeout, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
	for _, sh := range n.shards {
		sw, err := sh.sess.WatchAll(n.ctx)
		if err != nil {
			return fmt.Errorf("cluster: watch sessions: %w", err)
		}
		go n.watchSessions(sh, sw) // session.go
		w, err := sh.kv.WatchAll(n.ctx)
		if err != nil {
			return fmt.Errorf("cluster: watch leases: %w", err)
		}
		go n.watch(w)
	}
	if n.srv != nil {
		go n.keepLeaders() // shard.go
	}
	aw, err := n.alarms.WatchAll(n.ctx)
	if err != nil {
		return fmt.Errorf("cluster: watch alarms: %w", err)
	}
	go n.watchAlarms(aw)
	return nil
}

// kvBucket opens the bucket of cfg, creating or updating it only when it
// is missing or differs (every node starts with the same configuration;
// needless updates would queue behind each other in the meta group).
func (n *Node) kvBucket(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	kv, err := n.js.KeyValue(lctx, cfg.Bucket)
	cancel()
	if err == nil {
		if st, serr := kv.Status(ctx); serr == nil {
			c := st.Config()
			if c.TTL == cfg.TTL && c.Replicas == cfg.Replicas && c.LimitMarkerTTL == cfg.LimitMarkerTTL {
				return kv, nil
			}
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if kv, err = n.js.CreateOrUpdateKeyValue(cctx, cfg); err != nil {
		return nil, err // a nil interface: the caller retries
	}
	return kv, nil
}

// stream is kvBucket for a stream.
func (n *Node) stream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	s, err := n.js.Stream(lctx, cfg.Name)
	cancel()
	if err == nil {
		if c := s.CachedInfo().Config; c.Replicas == cfg.Replicas && slices.Equal(c.Subjects, cfg.Subjects) {
			return s, nil
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if s, err = n.js.CreateOrUpdateStream(cctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// create opens or makes whatever is still missing, all at once (each
// asset is its own Raft group; made one after the other they took most of
// a minute on a busy 2-core machine).
func (n *Node) create(ctx context.Context, r int) error {
	p := n.cfg.Prefix
	if n.shards == nil {
		n.shards = make([]*shard, n.cfg.Shards)
		for i := range n.shards {
			n.shards[i] = &shard{
				i: i, subject: fmt.Sprintf("%s.log.%d.", p, i), sessions: map[string]string{}, sessSem: make(chan struct{}, 1),
				kvStream:   fmt.Sprintf("KV_%s_leases_%d", p, i),
				sessStream: fmt.Sprintf("KV_%s_sessions_%d", p, i),
				logStream:  fmt.Sprintf("%s_LOG_%d", strings.ToUpper(p), i),
			}
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	do := func(what string, f func() error) {
		wg.Go(func() {
			if err := f(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", what, err))
				mu.Unlock()
			}
		})
	}
	for _, sh := range n.shards {
		if sh.kv == nil {
			do(fmt.Sprintf("lease bucket %d", sh.i), func() (err error) {
				// Leases live until released or taken over; sessions
				// expire.
				sh.kv, err = n.kvBucket(ctx, jetstream.KeyValueConfig{
					Bucket: fmt.Sprintf("%s_leases_%d", p, sh.i), History: 1,
					Replicas: r, Storage: jetstream.FileStorage,
				})
				return err
			})
		}
		if sh.sess == nil {
			do(fmt.Sprintf("session bucket %d", sh.i), func() (err error) {
				sh.sess, err = n.kvBucket(ctx, jetstream.KeyValueConfig{
					Bucket: fmt.Sprintf("%s_sessions_%d", p, sh.i), History: 1, TTL: n.cfg.LeaseTTL,
					LimitMarkerTTL: n.cfg.LeaseTTL, Replicas: r, Storage: jetstream.FileStorage,
				})
				return err
			})
		}
		if sh.log == nil {
			do(fmt.Sprintf("log stream %d", sh.i), func() (err error) {
				sh.log, err = n.stream(ctx, jetstream.StreamConfig{
					Name: sh.logStream, Subjects: []string{sh.subject + ">"}, Replicas: r,
					Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy,
					Discard: jetstream.DiscardOld,
				})
				return err
			})
		}
	}
	if n.alarms == nil {
		do("alarm index", func() (err error) {
			n.alarms, err = n.kvBucket(ctx, jetstream.KeyValueConfig{
				Bucket: p + "_alarms", History: 1, Replicas: r, Storage: jetstream.FileStorage,
			})
			return err
		})
	}
	if n.obs == nil {
		do("snapshot store", func() (err error) {
			lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			n.obs, err = n.js.ObjectStore(lctx, p+"_snapshots")
			cancel()
			if err != nil {
				octx, cancel := context.WithTimeout(ctx, 10*time.Second)
				n.obs, err = n.js.CreateOrUpdateObjectStore(octx, jetstream.ObjectStoreConfig{
					Bucket: p + "_snapshots", Replicas: r, Storage: jetstream.FileStorage,
				})
				cancel()
			}
			if err != nil {
				n.obs = nil
			}
			return err
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// watch keeps the owner cache in step with the lease bucket.
func (n *Node) watch(w jetstream.KeyWatcher) {
	n.follow(w, func(e jetstream.KeyValueEntry) {
		n.mu.Lock()
		defer n.mu.Unlock()
		if e.Operation() == jetstream.KeyValuePut {
			var v leaseValue
			if json.Unmarshal(e.Value(), &v) == nil {
				n.owners[e.Key()] = v
			}
		} else {
			delete(n.owners, e.Key())
		}
	})
}

// follow calls apply with each update of w (not the nil that ends the
// initial values) until w ends or the node stops, then stops w.
func (n *Node) follow(w jetstream.KeyWatcher, apply func(jetstream.KeyValueEntry)) {
	defer w.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e != nil {
				apply(e)
			}
		}
	}
}

// ID returns the node id.
func (n *Node) ID() string { return n.cfg.NodeID }

// Config returns the configuration with defaults applied.
func (n *Node) Config() Config { return n.cfg }

// Server returns the embedded NATS server, or nil.
func (n *Node) Server() *server.Server { return n.srv }

// Close releases held leases (so their objects can move at once), stops
// serving forwarded requests and disconnects; the embedded server is shut
// down last.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	leases := make([]*Lease, 0, len(n.leases))
	for _, l := range n.leases {
		leases = append(leases, l)
	}
	sub := n.sub
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, l := range leases {
		l.Release(ctx)
	}
	for _, sh := range n.shards {
		if s := sh.current(); s != nil {
			s.end(ctx) // session.go
		}
	}
	if sub != nil {
		sub.Drain()
	}
	if n.stop != nil {
		n.stop()
	}
	if n.nc != nil {
		n.nc.Drain()
		n.nc.Close()
	}
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	}
	return nil
}

// encodeKey maps an opaque key to a KV key and subject token.
func encodeKey(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func (n *Node) logSubject(enc string) string { return n.shardOf(enc).subject + enc }

func splitHostPort(hp string) (string, int, error) {
	i := strings.LastIndexByte(hp, ':')
	if i < 0 {
		return "", 0, errors.New("missing port")
	}
	var port int
	if _, err := fmt.Sscanf(hp[i+1:], "%d", &port); err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", hp[i+1:])
	}
	return hp[:i], port, nil
}
