package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/agents"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// agentBin is the agent built from this tree for the tests.
var agentBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Geteuid() != 0 {
		return m.Run() // each test skips with "needs root"
	}
	dir, err := os.MkdirTemp("", "zeta-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if agentBin, err = agents.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// up builds a cluster from the manifests in dir, under a unique name, and
// tears it down when the test ends.
func up(t *testing.T, dir string, cfg lab.Config) *lab.Cluster {
	t.Helper()
	netnstest.RequireRoot(t)
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	cfg.Name = "e2e" + hex.EncodeToString(b)
	cfg.Manifests = dir
	cfg.Agents = true
	cfg.AgentBin = agentBin
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := lab.Up(ctx, cfg)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Down(ctx); err != nil {
			t.Errorf("down: %v", err)
		}
	})
	return c
}

// manifests writes files into a new directory.
func manifests(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		write(t, dir, name, content)
	}
	return dir
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}
