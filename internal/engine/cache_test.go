package engine

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCachePersistsBytecode(t *testing.T) {
	dir := t.TempDir()
	compiles := 0
	compile := func() ([]byte, error) { compiles++; return []byte("bytecode"), nil }

	c1 := NewCache(dir)
	for i := 0; i < 3; i++ {
		if _, err := c1.get("a.js", "1+1", false, compile); err != nil {
			t.Fatal(err)
		}
	}
	if compiles != 1 {
		t.Errorf("compiled %d times in one cache; want 1", compiles)
	}
	// A new cache over the same directory (a restart) compiles nothing.
	c2 := NewCache(dir)
	b, err := c2.get("a.js", "1+1", false, compile)
	if err != nil || string(b) != "bytecode" || compiles != 1 {
		t.Errorf("after restart: %q, %v, %d compiles; want the stored bytecode and no compile", b, err, compiles)
	}
	// Another source or file name is another entry.
	c2.get("a.js", "1+2", false, compile)
	c2.get("b.js", "1+1", false, compile)
	if compiles != 3 {
		t.Errorf("compiles = %d; want 3", compiles)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.qbc"))
	if len(files) != 3 {
		t.Errorf("%d cache files; want 3", len(files))
	}
}

func TestRuntimeUsesCache(t *testing.T) {
	dir := t.TempDir()
	c := NewCache(dir)
	rt := newRuntime(t, Options{Bootstrap: testBootstrapSrc, Cache: c})
	if err := rt.Load(t.Context(), "w.js", "globalThis.x = 41 + 1"); err != nil {
		t.Fatal(err)
	}
	if v := eval(t, rt, "x"); v != float64(42) {
		t.Errorf("x = %v", v)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	n := c.Len()
	rt2 := newRuntime(t, Options{Bootstrap: testBootstrapSrc, Cache: c})
	if err := rt2.Load(t.Context(), "w.js", "globalThis.x = 41 + 1"); err != nil {
		t.Fatal(err)
	}
	if c.Len() != n {
		t.Errorf("a second runtime loading the same script added cache entries (%d -> %d)", n, c.Len())
	}
}
