//go:build !linux

package sandbox

// Harden is a no-op outside Linux: the child runs with no OS limits beyond
// its empty environment and closed descriptors.
func Harden(opts ChildOptions) (string, error) { return "none (not Linux)", nil }
