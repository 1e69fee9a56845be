package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emptyFS is a file system with no files, so fuzzing never touches the disk.
type emptyFS struct{}

func (emptyFS) Stat(name string) (fs.FileInfo, error) { return nil, fs.ErrNotExist }
func (emptyFS) ReadFile(name string) ([]byte, error)  { return nil, fs.ErrNotExist }

// addSeeds adds the table tests' sources and the example configs in testdata
// whose name ends in ext.
func addSeeds(f *testing.F, ext string, table []string) {
	for _, s := range table {
		f.Add(s, "")
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "*", "wrangler*"+ext))
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(string(src), "")
			f.Add(string(src), "staging")
		}
	}
}

// checkLoad loads src and checks the invariants that must hold for any input.
func checkLoad(t *testing.T, path, src, env string) {
	p, ds := load(path, []byte(src), env, emptyFS{})
	hasErr := false
	for _, d := range ds {
		if d.File == "" || d.Message == "" || d.Line < 0 || d.Col < 0 {
			t.Errorf("load(%q) gave a malformed diagnostic %#v", src, d)
		}
		hasErr = hasErr || d.Severity == SeverityError
	}
	if !hasErr && (p == nil || len(p.Workers) == 0) {
		t.Errorf("load(%q) = %v with no error diagnostic; want a project with a worker", src, p)
	}
}

func FuzzLoadJSONC(f *testing.F) {
	var table []string
	for _, tc := range jsoncCases {
		table = append(table, tc.src)
	}
	for _, tc := range loadCases {
		if !strings.HasPrefix(tc.config, "#toml") {
			table = append(table, tc.config)
		}
	}
	addSeeds(f, ".json*", table)
	f.Fuzz(func(t *testing.T, src, env string) {
		checkLoad(t, "wrangler.jsonc", src, env)
	})
}

func FuzzLoadTOML(f *testing.F) {
	var table []string
	for _, tc := range tomlCases {
		table = append(table, tc.src)
	}
	for _, tc := range loadCases {
		if strings.HasPrefix(tc.config, "#toml") {
			table = append(table, tc.config)
		}
	}
	addSeeds(f, ".toml", table)
	f.Fuzz(func(t *testing.T, src, env string) {
		checkLoad(t, "wrangler.toml", src, env)
	})
}

func FuzzParseDotenv(f *testing.F) {
	f.Add("A=1\nexport B='x'\nC=\"multi\nline\"\n# c\n")
	f.Add("Q=\"unterminated\n")
	f.Fuzz(func(t *testing.T, src string) {
		parseDotenv([]byte(src))
	})
}
