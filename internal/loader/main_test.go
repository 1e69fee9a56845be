package loader

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the sandbox child of process
// mode, as the isola binary does with its hidden subcommand.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == SandboxCommand {
		os.Exit(RunChild(os.Args[2:]))
	}
	os.Exit(m.Run())
}
