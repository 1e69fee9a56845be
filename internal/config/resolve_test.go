package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestResolve(t *testing.T) {
	project := func() *Project {
		return &Project{
			Dir: "/proj",
			Dev: Dev{Port: 9000, IP: "0.0.0.0"},
			Workers: []*Worker{
				{Name: "main", Limits: Limits{CPUMs: 50}, Vars: map[string]any{"A": "file", "S": "secret"}, Secrets: []string{"S"}},
				{Name: "other"},
			},
		}
	}
	type want struct {
		port      int
		ip        string
		persistTo string
		memory    int64
		cpu       []int
		vars      map[string]any
		secrets   []string
	}
	tests := []struct {
		name  string
		p     *Project
		env   []string
		flags Flags
		want  want
	}{
		{
			name: "defaults",
			want: want{port: 8787, ip: "127.0.0.1", persistTo: ".isola/state", memory: 128 << 20},
		},
		{
			name: "file",
			p:    project(),
			want: want{port: 9000, ip: "0.0.0.0", persistTo: filepath.Join("/proj", ".isola/state"), memory: 128 << 20,
				cpu: []int{50, 30000}, vars: map[string]any{"A": "file", "S": "secret"}, secrets: []string{"S"}},
		},
		{
			name: "env over file",
			p:    project(),
			env:  []string{"ISOLA_PORT=7000", "ISOLA_IP=::1", "ISOLA_PERSIST_TO=/state", "ISOLA_CPU_MS=10", "ISOLA_MEMORY_MB=64", "UNRELATED=1"},
			want: want{port: 7000, ip: "::1", persistTo: "/state", memory: 64 << 20,
				cpu: []int{10, 10}, vars: map[string]any{"A": "file", "S": "secret"}, secrets: []string{"S"}},
		},
		{
			name:  "flags over env",
			p:     project(),
			env:   []string{"ISOLA_PORT=7000", "ISOLA_PERSIST_TO=/state", "ISOLA_CPU_MS=10"},
			flags: Flags{Port: ptr(0), IP: ptr("localhost"), PersistTo: ptr("here"), CPUMs: ptr(5), MemoryMiB: ptr(256), Vars: map[string]string{"A": "flag", "S": "flag", "B": "new"}},
			want: want{port: 0, ip: "localhost", persistTo: "here", memory: 256 << 20,
				cpu: []int{5, 5}, vars: map[string]any{"A": "flag", "S": "flag", "B": "new"}, secrets: []string{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Resolve(tc.p, tc.env, tc.flags)
			if err != nil {
				t.Fatalf("Resolve error: %v", err)
			}
			var cpu []int
			for _, w := range r.Workers {
				cpu = append(cpu, w.Limits.CPUMs)
			}
			got := want{port: r.Port, ip: r.IP, persistTo: r.PersistTo, memory: r.MemoryLimit, cpu: cpu}
			if len(r.Workers) > 0 {
				got.vars, got.secrets = r.Workers[0].Vars, r.Workers[0].Secrets
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Resolve(%v, %+v) = %+v; want %+v", tc.env, tc.flags, got, tc.want)
			}
		})
	}
	t.Run("does not modify the project", func(t *testing.T) {
		p := project()
		if _, err := Resolve(p, []string{"ISOLA_CPU_MS=1"}, Flags{Vars: map[string]string{"A": "x"}}); err != nil {
			t.Fatal(err)
		}
		if p.Workers[0].Limits.CPUMs != 50 || p.Workers[0].Vars["A"] != "file" || len(p.Workers[0].Secrets) != 1 {
			t.Errorf("Resolve modified the project: %+v", p.Workers[0])
		}
	})
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		flags Flags
		want  string
	}{
		{"env port", []string{"ISOLA_PORT=http"}, Flags{}, "ISOLA_PORT"},
		{"env port range", []string{"ISOLA_PORT=70000"}, Flags{}, "ISOLA_PORT"},
		{"env ip", []string{"ISOLA_IP=nowhere"}, Flags{}, "ISOLA_IP"},
		{"env cpu", []string{"ISOLA_CPU_MS=0"}, Flags{}, "ISOLA_CPU_MS"},
		{"env memory", []string{"ISOLA_MEMORY_MB=-1"}, Flags{}, "ISOLA_MEMORY_MB"},
		{"env persist", []string{"ISOLA_PERSIST_TO="}, Flags{}, "ISOLA_PERSIST_TO"},
		{"flag port", nil, Flags{Port: ptr(-1)}, "--port"},
		{"flag ip", nil, Flags{IP: ptr("")}, "--ip"},
		{"flag cpu", nil, Flags{CPUMs: ptr(0)}, "--cpu-ms"},
		{"flag memory", nil, Flags{MemoryMiB: ptr(0)}, "--memory-mb"},
		{"flag persist", nil, Flags{PersistTo: ptr("")}, "--persist-to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resolve(nil, tc.env, tc.flags)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "config: ") {
				t.Errorf("Resolve(nil, %v, %+v) error = %v; want one naming %s", tc.env, tc.flags, err, tc.want)
			}
		})
	}
}

func TestRuntimeAddr(t *testing.T) {
	tests := []struct {
		r    Runtime
		want string
	}{
		{Runtime{IP: "127.0.0.1", Port: 8787}, "127.0.0.1:8787"},
		{Runtime{IP: "::1", Port: 0}, "[::1]:0"},
	}
	for _, tc := range tests {
		if got := tc.r.Addr(); got != tc.want {
			t.Errorf("Runtime{IP: %q, Port: %d}.Addr() = %q; want %q", tc.r.IP, tc.r.Port, got, tc.want)
		}
	}
}
