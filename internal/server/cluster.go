package server

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/isola-run/isola/internal/cluster"
	"github.com/isola-run/isola/internal/config"
)

// startCluster joins the cluster of the config's "cluster" table (once per
// process: a reload keeps the node) and serves events forwarded to this
// node with the current actor manager.
func (s *Server) startCluster(proj *config.Project, persistTo string) error {
	c := proj.Cluster
	if c == nil || s.node != nil {
		return nil
	}
	cfg := cluster.Config{
		NodeID:    c.NodeID,
		Servers:   c.Servers,
		Monitor:   c.Monitor,
		Advertise: c.Advertise,
		Replicas:  c.Replicas,
		LeaseTTL:  time.Duration(c.LeaseTTLMs) * time.Millisecond,
	}
	if e := c.Embedded; e != nil {
		dir := e.StoreDir
		switch {
		case dir == "":
			dir = filepath.Join(persistTo, "nats")
		case !filepath.IsAbs(dir):
			dir = filepath.Join(proj.Dir, dir)
		}
		cfg.Embedded = &cluster.Embedded{Listen: e.Listen, Routes: e.Routes, Client: e.Client, StoreDir: dir}
	}
	node, err := cluster.Start(context.Background(), cfg, s.log)
	if err != nil {
		return fmt.Errorf("server: %s: cluster: %w", proj.Path, err)
	}
	if err := node.Serve(func(ctx context.Context, key string, payload []byte) ([]byte, error) {
		a := s.Actors()
		if a == nil {
			return nil, cluster.ErrNotOwner
		}
		return a.HandleForward(ctx, key, payload)
	}); err != nil {
		node.Close()
		return err
	}
	s.node = node
	s.log.Info("joined cluster", "node", c.NodeID)
	return nil
}
