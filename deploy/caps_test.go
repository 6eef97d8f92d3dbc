package deploy

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab/agents"
	"github.com/zeta-net/zeta/tests/lab/labns"
)

// buildDir holds the binaries the tests build; TestMain removes it.
var buildDir string

func TestMain(m *testing.M) {
	var err error
	if buildDir, err = os.MkdirTemp("", "zeta-deploy-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(buildDir)
	os.Exit(code)
}

// agentBin builds the agent of this source tree once per test binary.
var agentBin = sync.OnceValues(func() (string, error) { return agents.Build(buildDir) })

// podIP is the address of the one pod the capability test's node has.
const podIP = "198.18.77.2"

// capsManifests is a node with one pod that a policy isolates: the agent
// must load the datapath, pin it, attach to the pod's veth and fill the
// maps to be ready.
const capsManifests = `apiVersion: v1
kind: Namespace
metadata: {name: caps}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: caps, labels: {app: p}}
spec:
  nodeName: node-caps
  containers: [{name: c, image: x}]
status:
  podIP: ` + podIP + `
  podIPs: [{ip: ` + podIP + `}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: isolate, namespace: caps}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`

// TestDaemonSetCapabilitiesSuffice runs the agent as the DaemonSet runs
// it, uid 0 holding only the container's capabilities (bounding,
// permitted and effective sets; no_new_privs as allowPrivilegeEscalation
// false sets), in a network namespace standing for the node: with them it
// becomes ready, attached to the pod's veth; without any one of them it
// cannot start. So each capability the manifest adds is needed, and they
// are enough.
func TestDaemonSetCapabilitiesSuffice(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace and loads the datapath")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv (util-linux) is needed to run the agent with reduced capabilities: %v", err)
	}
	bin, err := agentBin()
	if err != nil {
		t.Fatal(err)
	}
	sc := plainDaemonSet(t).Spec.Template.Spec.Containers[0].SecurityContext
	caps := sc.Capabilities.Add
	manifests := t.TempDir()
	if err := os.WriteFile(filepath.Join(manifests, "node.yaml"), []byte(capsManifests), 0o600); err != nil {
		t.Fatal(err)
	}
	ns := nodeNetns(t)

	t.Run(fmt.Sprintf("with %v", caps), func(t *testing.T) {
		a, wait := startCapped(t, setpriv, bin, ns, manifests, caps)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		for {
			st, err := a.Status(ctx)
			if err == nil && st.Ready {
				if st.Endpoints != 1 {
					t.Errorf("ready with %d endpoints, want the one pod", st.Endpoints)
				}
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("the agent with %v never became ready (%+v, %v)\n%s", caps, st, err, logTail(a.Log()))
			case err := <-wait:
				t.Fatalf("the agent with %v exited: %v\n%s", caps, err, logTail(a.Log()))
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	for _, drop := range caps {
		fewer := slices.DeleteFunc(slices.Clone(caps), func(c corev1.Capability) bool { return c == drop })
		t.Run("without "+string(drop), func(t *testing.T) {
			a, wait := startCapped(t, setpriv, bin, ns, manifests, fewer)
			select {
			case err := <-wait:
				if err == nil || !strings.Contains(logTail(a.Log()), "operation not permitted") {
					t.Errorf("without %s the agent exited with %v, want a permission error\n%s", drop, err, logTail(a.Log()))
				}
			case <-time.After(30 * time.Second):
				t.Errorf("the agent runs without %s: the DaemonSet adds a capability it does not need", drop)
			}
		})
	}
}

// nodeNetns makes a network namespace standing for the node: a veth whose
// host side routes the pod's address, as a CNI plugin leaves it.
func nodeNetns(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("zeta-deploy-%x", rand.Uint32())
	if err := labns.Create(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := labns.Delete(name); err != nil {
			t.Errorf("delete netns %s: %v", name, err)
		}
	})
	err := labns.Do(name, func() error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "zdhost"}, PeerName: "zdpod"}
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("add veth: %w", err)
		}
		for _, n := range []string{"lo", "zdhost", "zdpod"} {
			l, err := netlink.LinkByName(n)
			if err != nil {
				return err
			}
			if err := netlink.LinkSetUp(l); err != nil {
				return fmt.Errorf("set %s up: %w", n, err)
			}
		}
		host, err := netlink.LinkByName("zdhost")
		if err != nil {
			return err
		}
		dst := &net.IPNet{IP: net.ParseIP(podIP), Mask: net.CIDRMask(32, 32)}
		return netlink.RouteAdd(&netlink.Route{LinkIndex: host.Attrs().Index, Dst: dst, Scope: netlink.SCOPE_LINK})
	})
	if err != nil {
		t.Fatalf("set up node namespace %s: %v", name, err)
	}
	return name
}

// startCapped starts the agent in the node namespace as uid 0 holding
// caps only, and stops it and removes its pins when the test ends. wait
// yields the process's exit.
func startCapped(t *testing.T, setpriv, bin, ns, manifests string, caps []corev1.Capability) (agents.Agent, <-chan error) {
	t.Helper()
	a := agents.Agent{
		Bin: bin, Node: "node-caps", Netns: ns, Manifests: manifests,
		Bpffs:    fmt.Sprintf("/sys/fs/bpf/zeta-deploy-%x", rand.Uint64()),
		StateDir: t.TempDir(),
	}
	set := "-all"
	for _, c := range caps {
		set += ",+" + strings.ToLower(string(c))
	}
	log, err := os.Create(a.Log())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command("nsenter", "--net="+labns.Path(ns), setpriv,
		"--no-new-privs", "--bounding-set="+set, "--inh-caps="+set, "--ambient-caps=-all", "--",
		bin, "run", "--node", a.Node, "--manifests", a.Manifests, "--bpffs-root", a.Bpffs, "--state-dir", a.StateDir)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start agent: %v", err)
	}
	wait, exited := make(chan error, 1), make(chan struct{})
	go func() {
		wait <- cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if err := a.Uninstall(context.Background()); err != nil {
			t.Errorf("uninstall: %v", err)
		}
	})
	return a, wait
}

// logTail is the end of the agent's log.
func logTail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}
