package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadCluster(t *testing.T) {
	const head = `{"name": "w", "main": "index.js", "compatibility_date": "2025-01-01",
"cluster": `
	tests := []struct {
		name    string
		cluster string
		want    *Cluster // compared without positions
		errs    []string // substrings of error diagnostics, with line:col
	}{
		{"embedded", `{"node_id": "n1", "embedded": {"listen": "127.0.0.1:6222", "routes": ["127.0.0.1:6223"]}, "advertise": "127.0.0.1:8787", "lease_ttl_ms": 5000}`,
			&Cluster{NodeID: "n1", Embedded: &ClusterEmbedded{Listen: "127.0.0.1:6222", Routes: []string{"127.0.0.1:6223"}}, Advertise: "127.0.0.1:8787", LeaseTTLMs: 5000}, nil},
		{"servers", `{"node_id": "a", "servers": ["nats://h:4222"], "monitor": ["http://h:8222"], "replicas": 3}`,
			&Cluster{NodeID: "a", Servers: []string{"nats://h:4222"}, Monitor: []string{"http://h:8222"}, Replicas: 3}, nil},
		{"missing node id", `{"embedded": {"listen": "127.0.0.1:6222"}}`, nil, []string{`2:12: error: "cluster" is missing required key "node_id"`}},
		{"both", `{"node_id": "a", "embedded": {"listen": "h:1"}, "servers": ["x"], "monitor": ["y"]}`, nil, []string{"not both"}},
		{"neither", `{"node_id": "a"}`, nil, []string{`needs "embedded" or "servers"`}},
		{"no monitor", `{"node_id": "a", "servers": ["nats://h:4222"]}`, nil, []string{`needs "monitor"`}},
		{"bad listen", `{"node_id": "a", "embedded": {"listen": "nohost"}}`, nil, []string{`"cluster.embedded.listen" must be host:port`}},
		{"own route", `{"node_id": "a", "embedded": {"listen": "h:1", "routes": ["h:1"]}}`, nil, []string{`"cluster.embedded.routes[0]" lists this node's own`}},
		{"bad node id and replicas", `{"node_id": "a b", "embedded": {"listen": "h:1"}, "replicas": 9}`, nil, []string{`"cluster.node_id" must be letters`, `"cluster.replicas" must be from 1 to 5`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"index.js": "export default {}", "wrangler.json": head + tc.cluster + "}"})
			p, ds, err := LoadEnv(filepath.Join(dir, "wrangler.json"), "")
			var errs []string
			for _, m := range messages(ds) {
				if strings.Contains(m, "error:") {
					errs = append(errs, m)
				}
			}
			for _, w := range tc.errs {
				found := false
				for _, e := range errs {
					found = found || strings.Contains(e, w)
				}
				if !found {
					t.Errorf("LoadEnv diagnostics = %q; want one containing %q", errs, w)
				}
			}
			if tc.errs != nil {
				if err == nil {
					t.Error("LoadEnv error = nil; want one")
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadEnv = %v", err)
			}
			got := p.Cluster
			if got != nil {
				got.pos = pos{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Cluster = %+v; want %+v", got, tc.want)
			}
		})
	}
}
