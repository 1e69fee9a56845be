package crypto_test

import (
	"fmt"
	"testing"
)

// benchJS runs op (an async expression using setup's bindings) b.N times in
// one script, so the numbers are the JS API's cost, not Eval's.
func benchJS(b *testing.B, setup, op string) {
	b.Helper()
	rt := newRuntime(b)
	b.ReportAllocs()
	b.ResetTimer()
	mustRun(b, rt, fmt.Sprintf(`%s
		for (let i = 0; i < %d; i++) await %s;`, setup, b.N, op))
}

func BenchmarkDigest(b *testing.B) {
	for _, size := range []int{64, 1024, 64 * 1024} {
		b.Run(fmt.Sprintf("SHA-256/%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			benchJS(b, fmt.Sprintf(`const data = new Uint8Array(%d);`, size), `subtle.digest("SHA-256", data)`)
		})
	}
}

func BenchmarkHMACSign(b *testing.B) {
	for _, size := range []int{64, 1024} {
		b.Run(fmt.Sprintf("SHA-256/%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			benchJS(b, fmt.Sprintf(`const data = new Uint8Array(%d);
				const key = await subtle.importKey("raw", new Uint8Array(32), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);`, size),
				`subtle.sign("HMAC", key, data)`)
		})
	}
}
