package lab_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/proc"
	"github.com/zeta-net/zeta/tests/lab/state"
	"github.com/zeta-net/zeta/tests/netnstest"
)

func TestMain(m *testing.M) {
	if log, ok := os.LookupEnv(fakeAgentEnv); ok {
		os.Exit(fakeAgent(log, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// writePods writes pods ("namespace/name", each serving 80/TCP and 53/UDP,
// plus extra ports "namespace/name:port") into dir/pods.yaml.
func writePods(t *testing.T, dir string, pods ...string) {
	t.Helper()
	var b strings.Builder
	for _, pod := range pods {
		key, extra, _ := strings.Cut(pod, ":")
		ns, name, _ := strings.Cut(key, "/")
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Pod\nmetadata: {namespace: %s, name: %s, labels: {app: %s}}\n", ns, name, name)
		fmt.Fprintf(&b, "spec:\n  containers:\n  - name: c\n    ports: [{containerPort: 80}, {containerPort: 53, protocol: UDP}")
		if extra != "" {
			fmt.Fprintf(&b, ", {containerPort: %s}", extra)
		}
		b.WriteString("]\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "pods.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// up builds a cluster with a random name, torn down when the test ends.
func up(t *testing.T, cfg lab.Config) *lab.Cluster {
	t.Helper()
	cfg.Name = fmt.Sprintf("t%08x", rand.Uint32())
	c, err := lab.Up(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Down(context.Background(), cfg.Name, nil); err != nil {
			t.Error(err)
		}
		requireGone(t, cfg.Name)
	})
	return c
}

// requireGone fails unless nothing of cluster name remains.
func requireGone(t *testing.T, name string) {
	t.Helper()
	if left, err := labns.List(plan.NetnsPrefix(name)); err != nil || len(left) > 0 {
		t.Errorf("namespaces left: %v (%v)", left, err)
	}
	lay := state.Layout{Name: name}
	for _, dir := range []string{lay.Dir(), lay.Bpffs()} {
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left (%v)", dir, err)
		}
	}
	if servers, err := proc.WithEnv("ZETA_LAB_SERVE", name); err != nil || len(servers) > 0 {
		t.Errorf("server processes left: %v (%v)", servers, err)
	}
}

// requireMatrix fails unless the matrix is want(from, to) everywhere.
func requireMatrix(t *testing.T, c *lab.Cluster, proto corev1.Protocol, port int32, ipv6 bool, want func(from, to string) bool) {
	t.Helper()
	m, err := c.Matrix(t.Context(), proto, port, lab.ProbeOptions{IPv6: ipv6})
	if err != nil {
		t.Fatal(err)
	}
	for i, from := range m.Pods {
		for j, to := range m.Pods {
			if m.Allowed[i][j] != want(from, to) {
				var table strings.Builder
				_ = m.WriteTable(&table)
				t.Fatalf("%s/%d IPv6=%t: %s -> %s allowed=%t, want %t\n%s", proto, port, ipv6, from, to, m.Allowed[i][j], !m.Allowed[i][j], table.String())
			}
		}
	}
}

func all(string, string) bool  { return true }
func none(string, string) bool { return false }

func TestUpMatrixDown(t *testing.T) {
	netnstest.RequireRoot(t)
	t.Parallel()
	dir := t.TempDir()
	writePods(t, dir, "a/one", "a/two", "b/one", "b/two")
	c := up(t, lab.Config{Manifests: dir, Nodes: 2})

	nodes := map[string]int{}
	for _, p := range c.Pods() {
		nodes[p.Node]++
	}
	if len(nodes) != 2 || nodes["node-1"] != 2 {
		t.Errorf("pods per node = %v, want 2 on each of node-1 and node-2", nodes)
	}
	for _, ipv6 := range []bool{false, true} {
		requireMatrix(t, c, corev1.ProtocolTCP, 80, ipv6, all)
		requireMatrix(t, c, corev1.ProtocolUDP, 53, ipv6, all)
		requireMatrix(t, c, corev1.ProtocolTCP, 81, ipv6, none) // nothing listens
	}

	set, err := manifest.LoadDir(c.ManifestsDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Pods() {
		got := set.Pods[p.Key()]
		if got == nil || got.Spec.NodeName != p.Node || len(got.Status.PodIPs) != 2 ||
			got.Status.PodIPs[0].IP != p.IPv4.String() || got.Status.PodIPs[1].IP != p.IPv6.String() {
			t.Errorf("materialised %s = %+v, want it on %s at %s and %s", p.Key(), got, p.Node, p.IPv4, p.IPv6)
		}
	}

	pod, _ := c.Pod("a/one")
	cmd, err := c.Exec(t.Context(), "a/one", "readlink", "/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(labns.Path(pod.Netns), &st); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("net:[%d]", st.Ino); strings.TrimSpace(string(out)) != want {
		t.Errorf("Exec ran in %s, want %s", out, want)
	}

	if err := c.Down(t.Context()); err != nil {
		t.Fatal(err)
	}
	requireGone(t, c.Name())
}

func TestDownAfterCrash(t *testing.T) {
	netnstest.RequireRoot(t)
	t.Parallel()
	dir := t.TempDir()
	writePods(t, dir, "a/one", "b/one")
	c := up(t, lab.Config{Manifests: dir, Nodes: 2})

	st, err := state.Load(c.Name())
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(st.Serve.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(st.Layout().File()); err != nil {
		t.Fatal(err)
	}
	if err := lab.Down(t.Context(), c.Name(), nil); err != nil {
		t.Fatal(err)
	}
	requireGone(t, c.Name())
}

func TestApply(t *testing.T) {
	netnstest.RequireRoot(t)
	t.Parallel()
	dir := t.TempDir()
	writePods(t, dir, "a/one", "a/two", "b/one")
	c := up(t, lab.Config{Manifests: dir, Nodes: 2})
	two, _ := c.Pod("a/two")
	bOne, _ := c.Pod("b/one")

	writePods(t, dir, "a/one:8080", "b/one", "b/two")
	if err := c.Apply(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range c.Pods() {
		keys = append(keys, p.Key())
	}
	if want := []string{"a/one", "b/one", "b/two"}; !slices.Equal(keys, want) {
		t.Errorf("pods = %v, want %v", keys, want)
	}
	if p, _ := c.Pod("b/one"); p.Node != bOne.Node || p.IPv4 != bOne.IPv4 || p.IPv6 != bOne.IPv6 {
		t.Errorf("b/one moved: %+v, was %+v", p, bOne)
	}
	if labns.Exists(two.Netns) {
		t.Errorf("namespace %s of removed pod a/two remains", two.Netns)
	}
	requireMatrix(t, c, corev1.ProtocolTCP, 80, false, all)
	requireMatrix(t, c, corev1.ProtocolUDP, 53, true, all)
	requireMatrix(t, c, corev1.ProtocolTCP, 8080, false, func(_, to string) bool { return to == "a/one" })
	if _, err := c.Probe(t.Context(), "a/one", "a/two", corev1.ProtocolTCP, 80, lab.ProbeOptions{}); err == nil {
		t.Error("probing a removed pod succeeded")
	}
}

// writeVirtual writes virtual pods ("namespace/name=ipv4", on node
// "remote") into dir/virtual.yaml.
func writeVirtual(t *testing.T, dir string, pods ...string) {
	t.Helper()
	var b strings.Builder
	for _, pod := range pods {
		key, ip, _ := strings.Cut(pod, "=")
		ns, name, _ := strings.Cut(key, "/")
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Pod\nmetadata: {namespace: %s, name: %s, labels: {app: %q}, annotations: {%s: \"true\"}}\n",
			ns, name, name, plan.VirtualAnnotation)
		fmt.Fprintf(&b, "spec: {nodeName: remote}\nstatus: {podIP: %q}\n", ip)
	}
	if err := os.WriteFile(filepath.Join(dir, "virtual.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVirtualPods(t *testing.T) {
	netnstest.RequireRoot(t)
	t.Parallel()
	dir := t.TempDir()
	writePods(t, dir, "a/one", "a/two")
	writeVirtual(t, dir, "v/p1=10.250.0.1", "v/p2=10.250.0.2")
	c := up(t, lab.Config{Manifests: dir, Nodes: 2})

	requireVirtual := func(want ...string) {
		t.Helper()
		if netns, err := labns.List(plan.NetnsPrefix(c.Name())); err != nil || len(netns) != 5 {
			t.Errorf("namespaces %v (%v), want the fabric's, 2 nodes' and 2 pods'", netns, err)
		}
		if nodes := c.Nodes(); len(nodes) != 2 {
			t.Errorf("nodes = %+v, want node-1 and node-2 only", nodes)
		}
		var keys []string
		for _, p := range c.Pods() {
			keys = append(keys, p.Key())
		}
		if !slices.Equal(keys, []string{"a/one", "a/two"}) {
			t.Errorf("Pods() = %v, want the real pods only", keys)
		}
		set, err := manifest.LoadDir(c.ManifestsDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range want {
			key, ip, _ := strings.Cut(key, "=")
			if p := set.Pods[key]; p == nil || p.Spec.NodeName != "remote" || p.Status.PodIP != ip {
				t.Errorf("materialised %s = %+v, want it on remote at %s", key, p, ip)
			}
			if _, ok := c.Pod(key); ok {
				t.Errorf("Pod(%s) found a virtual pod", key)
			}
		}
		if len(set.Pods) != 2+len(want) {
			t.Errorf("materialised %d pods, want %d", len(set.Pods), 2+len(want))
		}
		requireMatrix(t, c, corev1.ProtocolTCP, 80, false, all)
	}
	requireVirtual("v/p1=10.250.0.1", "v/p2=10.250.0.2")

	writeVirtual(t, dir, "v/p2=10.250.0.3", "v/p3=10.250.0.4")
	if err := c.Apply(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	requireVirtual("v/p2=10.250.0.3", "v/p3=10.250.0.4")
	if _, err := c.Exec(t.Context(), "v/p3", "true"); err == nil {
		t.Error("Exec in a virtual pod succeeded")
	}
}
