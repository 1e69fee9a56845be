//go:build race

package loader

// raceEnabled: the race detector slows JS ~10x, so wall-clock limits in
// tests get more room.
const raceEnabled = true
