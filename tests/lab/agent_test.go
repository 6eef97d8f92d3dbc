package lab_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/state"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// fakeAgentEnv, in the environment of this test binary, makes it a fake
// zeta-agent that keeps the agent's contract with the lab (see package
// agents) and appends the directories it uninstalls to the file named by
// the variable.
const fakeAgentEnv = "ZETA_LAB_TEST_FAKE_AGENT"

func fakeAgent(uninstalled string, args []string) int {
	if len(args) == 0 {
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	node := fs.String("node", "", "")
	manifests := fs.String("manifests", "", "")
	bpffs := fs.String("bpffs-root", "", "")
	stateDir := fs.String("state-dir", "", "")
	fs.Bool("default-deny", false, "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	switch args[0] {
	case "uninstall":
		f, err := os.OpenFile(uninstalled, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return 1
		}
		defer f.Close()
		fmt.Fprintln(f, *bpffs)
		return 0
	case "run":
		if err := fakeRun(*node, *manifests, *stateDir); err != nil {
			fmt.Fprintln(os.Stderr, "fake agent:", err)
			return 1
		}
		return 0
	}
	return 2
}

// fakeRun records the namespace it runs in, logs one flow and answers
// /readyz with the hash of the manifests as they are now, until SIGTERM.
func fakeRun(node, manifests, stateDir string) error {
	netns, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(stateDir, "netns"), []byte(netns), 0o644); err != nil {
		return err
	}
	flow := fmt.Sprintf(`{"time":%q,"node":%q,"verdict":"ALLOWED","protocol":"TCP","source":{"namespace":"a","pod":"one","port":1},"destination":{"namespace":"a","pod":"two","port":80}}`+"\n",
		time.Now().UTC().Format(time.RFC3339Nano), node)
	if err := os.WriteFile(filepath.Join(stateDir, "flows.jsonl"), []byte(flow), 0o644); err != nil {
		return err
	}
	ln, err := net.Listen("unix", filepath.Join(stateDir, "health.sock"))
	if err != nil {
		return err
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		ln.Close()
	}()
	err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		set, err := manifest.LoadDir(manifests)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(health.Status{Ready: true, Applied: set.Hash, Endpoints: len(set.Pods)})
	}))
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// agentScript writes an executable script running body, for AgentBin.
func agentScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zeta-agent")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAgents(t *testing.T) {
	netnstest.RequireRoot(t)
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	uninstalled := filepath.Join(t.TempDir(), "uninstalled")
	bin := agentScript(t, fmt.Sprintf(`exec env %s=%s %s "$@"`, fakeAgentEnv, uninstalled, self))
	dir := t.TempDir()
	writePods(t, dir, "a/one", "a/two")
	c := up(t, lab.Config{Manifests: dir, Nodes: 2, Agents: true, AgentBin: bin})
	lay := state.Layout{Name: c.Name()}

	for _, n := range c.Nodes() {
		got, err := os.ReadFile(filepath.Join(lay.AgentDir(n.Name), "netns"))
		if err != nil {
			t.Fatal(err)
		}
		var st syscall.Stat_t
		if err := syscall.Stat(labns.Path(n.Netns), &st); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("net:[%d]", st.Ino); string(got) != want {
			t.Errorf("agent of %s runs in %s, want %s", n.Name, got, want)
		}
	}
	records, err := c.Flows(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || !strings.Contains(inspect.FlowLine(&records[0]), "a/one:1 -> a/two:80 TCP ALLOWED") {
		t.Errorf("flows = %v", records)
	}

	writePods(t, dir, "a/one", "a/three")
	if err := c.Apply(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	before, _ := state.Load(c.Name())
	if err := c.RestartAgent(t.Context(), "node-1"); err != nil {
		t.Fatal(err)
	}
	after, _ := state.Load(c.Name())
	if old, cur := before.AgentProc["node-1"], after.AgentProc["node-1"]; old == cur || old.Alive() || !cur.Alive() {
		t.Errorf("restart: agent %v -> %v", old, cur)
	}

	if err := c.Down(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, id := range after.AgentProc {
		if id.Alive() {
			t.Errorf("agent %d survived down", id.PID)
		}
	}
	got, _ := os.ReadFile(uninstalled)
	want := []string{lay.NodeBpffs("node-1"), lay.NodeBpffs("node-2")}
	if lines := strings.Fields(string(got)); !slices.Equal(lines, want) {
		t.Errorf("uninstalled %q, want %q", lines, want)
	}
}

func TestUpFailureCleansUp(t *testing.T) {
	netnstest.RequireRoot(t)
	t.Parallel()
	dir := t.TempDir()
	writePods(t, dir, "a/one", "b/one")
	name := fmt.Sprintf("t%08x", time.Now().UnixNano()&0xffffffff)
	_, err := lab.Up(t.Context(), lab.Config{Name: name, Manifests: dir, Nodes: 2, Agents: true, AgentBin: agentScript(t, "echo boom >&2; exit 1")})
	if err == nil {
		_ = lab.Down(t.Context(), name, nil)
		t.Fatal("Up with a failing agent succeeded")
	}
	if !strings.Contains(err.Error(), "boom") {
		t.Errorf("error does not show the agent's log: %v", err)
	}
	requireGone(t, name)
}
