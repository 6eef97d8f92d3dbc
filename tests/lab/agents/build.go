package agents

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Build compiles the agent of this source tree into dir and returns its
// path, so that tests run the agent of the code they test rather than
// whatever zeta-agent is installed.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, BinName)
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/zeta-agent")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "..")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w", BinName, err)
	}
	return bin, nil
}
