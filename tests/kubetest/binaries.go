package kubetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// binaries returns the directory holding etcd and kube-apiserver:
// $KUBEBUILDER_ASSETS if set, else what tests/components/kube.sh builds
// (once per version, cached outside the repository).
var binaries = sync.OnceValues(func() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	script := filepath.Join(repoRoot(), "tests", "components", "kube.sh")
	cmd := exec.Command("bash", script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kube-apiserver and etcd are missing and %s could not build them (it needs go and the Go module proxy): %w", script, err)
	}
	return strings.TrimSpace(string(out)), nil
})

// repoRoot is the repository's root, found from this file's path: tests
// run with their package directory as working directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
