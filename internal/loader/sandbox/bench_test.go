package sandbox

import "testing"

// BenchmarkNewSandboxRuntime: building a dynamic worker's runtime as the
// warm pool does (the sandbox bundle evaluated, set up as a sandbox) and
// freeing it: the CPU a cold load costs beyond its own code when the pool
// cannot keep up.
func BenchmarkNewSandboxRuntime(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w, err := newRuntime()
		if err != nil {
			b.Fatal(err)
		}
		w.rt.Close()
	}
}
