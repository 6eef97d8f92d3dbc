package plan

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zeta-net/zeta/agent/manifest"
)

// podOpt changes a test pod.
type podOpt func(*corev1.Pod)

func onNode(node string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = node } }

func withIPs(ips ...string) podOpt {
	return func(p *corev1.Pod) {
		for _, ip := range ips {
			p.Status.PodIPs = append(p.Status.PodIPs, corev1.PodIP{IP: ip})
		}
	}
}

func withPorts(ports ...corev1.ContainerPort) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c", Ports: ports})
	}
}

func testPod(key string, opts ...podOpt) *corev1.Pod {
	ns, name, _ := strings.Cut(key, "/")
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func testSet(pods ...*corev1.Pod) *manifest.Set {
	set := &manifest.Set{Pods: map[string]*corev1.Pod{}}
	for _, p := range pods {
		set.Pods[manifest.Key(p.Namespace, p.Name)] = p
	}
	return set
}

// placement is "key node ipv4 ipv6" per pod.
func placement(p *Plan) []string {
	var out []string
	for _, pod := range p.Pods {
		out = append(out, strings.Join([]string{pod.Key(), pod.Node, pod.IPv4.String(), pod.IPv6.String()}, " "))
	}
	return out
}

func TestNewSpreadsPodsRoundRobin(t *testing.T) {
	set := testSet(testPod("b/y"), testPod("a/x"), testPod("b/z"), testPod("a/w"))
	p, err := New("t", 2, set)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a/w node-1 10.244.1.2 fd00:10:244:1::2",
		"a/x node-2 10.244.2.2 fd00:10:244:2::2",
		"b/y node-1 10.244.1.3 fd00:10:244:1::3",
		"b/z node-2 10.244.2.3 fd00:10:244:2::3",
	}
	if got := placement(p); !reflect.DeepEqual(got, want) {
		t.Errorf("placement:\n got %q\nwant %q", got, want)
	}
	again, err := New("t", 2, set)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, again) {
		t.Error("planning the same input twice gave different plans")
	}
	n, _ := p.Node("node-2")
	if n.Netns != "zl_t_node_node-2" || n.IPv4 != netip.MustParsePrefix("10.240.0.2/24") || n.IPv6 != netip.MustParsePrefix("fd00:10:240::2/64") {
		t.Errorf("node-2 = %+v", n)
	}
	pod, _ := p.Pod("a/w")
	if pod.Netns != "zl_t_pod_a_w" || len(pod.HostVeth) != 11 || !strings.HasPrefix(pod.HostVeth, "lxc") {
		t.Errorf("a/w names: netns %s, veth %s", pod.Netns, pod.HostVeth)
	}
}

func TestNewHonoursNodeNameAndStatus(t *testing.T) {
	set := testSet(
		testPod("a/pinned", onNode("worker"), withIPs("10.9.9.9")),
		testPod("a/both", withIPs("10.1.1.1", "fd00::1")),
		testPod("a/free"),
	)
	p, err := New("t", 1, set)
	if err != nil {
		t.Fatal(err)
	}
	// Nodes: node-1 (index 1), worker (index 2). worker already holds the
	// pinned pod, so a/both goes to node-1, and a/free too (a tie goes to
	// the first node).
	want := []string{
		"a/both node-1 10.1.1.1 fd00::1",
		"a/free node-1 10.244.1.2 fd00:10:244:1::2",
		"a/pinned worker 10.9.9.9 fd00:10:244:2::2",
	}
	if got := placement(p); !reflect.DeepEqual(got, want) {
		t.Errorf("placement:\n got %q\nwant %q", got, want)
	}
}

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes int
		set   *manifest.Set
		want  string
	}{
		{"no nodes", 0, testSet(testPod("a/x")), "no nodes"},
		{"duplicate address", 1, testSet(testPod("a/x", withIPs("10.0.0.1")), testPod("a/y", withIPs("10.0.0.1"))), "already a/x's"},
		{"node address", 1, testSet(testPod("a/x", withIPs("10.240.0.1"))), "already node node-1's"},
		{"two IPv4", 1, testSet(testPod("a/x", withIPs("10.0.0.1", "10.0.0.2"))), "two pod IPs"},
		{"loopback", 1, testSet(testPod("a/x", withIPs("127.0.0.1"))), "not a unicast"},
		{"bad port", 1, testSet(testPod("a/x", withPorts(corev1.ContainerPort{ContainerPort: 0}))), "invalid containerPort"},
		{"host network", 1, testSet(func() *corev1.Pod { p := testPod("a/x"); p.Spec.HostNetwork = true; return p }()), "hostNetwork"},
		{"bad pod name", 1, testSet(testPod("a/X_y")), "invalid pod name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New("t", tc.nodes, tc.set)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{"zeta": true, "t-1": true, "a_b": false, "": false, "Zeta": false, strings.Repeat("a", 33): false} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v", name, err)
		}
	}
}

func TestContainerPorts(t *testing.T) {
	set := testSet(testPod("a/x",
		withPorts(corev1.ContainerPort{ContainerPort: 80}, corev1.ContainerPort{ContainerPort: 53, Protocol: corev1.ProtocolUDP}),
		withPorts(corev1.ContainerPort{ContainerPort: 80, Protocol: corev1.ProtocolTCP}, corev1.ContainerPort{ContainerPort: 53}),
	))
	p, err := New("t", 1, set)
	if err != nil {
		t.Fatal(err)
	}
	want := []Port{{53, corev1.ProtocolTCP}, {53, corev1.ProtocolUDP}, {80, corev1.ProtocolTCP}}
	if got := p.Pods[0].Ports; !reflect.DeepEqual(got, want) {
		t.Errorf("ports = %v, want %v", got, want)
	}
}

func TestUpdateKeepsPodsInPlace(t *testing.T) {
	old, err := New("t", 2, testSet(testPod("a/w"), testPod("a/x"), testPod("a/y")))
	if err != nil {
		t.Fatal(err)
	}
	// a/x goes, a/v comes, a/w gets a port, a/y is pinned where it is.
	next, err := old.Update(testSet(
		testPod("a/v"),
		testPod("a/w", withPorts(corev1.ContainerPort{ContainerPort: 80})),
		testPod("a/y", onNode("node-1")),
	))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a/v node-2 10.244.2.2 fd00:10:244:2::2", // a/x's node and addresses, free again
		"a/w node-1 10.244.1.2 fd00:10:244:1::2",
		"a/y node-1 10.244.1.3 fd00:10:244:1::3",
	}
	if got := placement(next); !reflect.DeepEqual(got, want) {
		t.Errorf("placement:\n got %q\nwant %q", got, want)
	}
	if w, _ := next.Pod("a/w"); len(w.Ports) != 1 {
		t.Errorf("a/w ports = %v, want port 80", w.Ports)
	}
	gone, added := Diff(old, next)
	if len(gone) != 1 || gone[0].Key() != "a/x" || len(added) != 1 || added[0].Key() != "a/v" {
		t.Errorf("Diff: gone %v, added %v", gone, added)
	}
}

func TestUpdateReplacesMovedPod(t *testing.T) {
	old, err := New("t", 2, testSet(testPod("a/x")))
	if err != nil {
		t.Fatal(err)
	}
	next, err := old.Update(testSet(testPod("a/x", onNode("node-2"))))
	if err != nil {
		t.Fatal(err)
	}
	gone, added := Diff(old, next)
	if len(gone) != 1 || len(added) != 1 || gone[0].Node != "node-1" || added[0].Node != "node-2" {
		t.Errorf("Diff: gone %v, added %v", gone, added)
	}
	if _, err := old.Update(testSet(testPod("a/x", onNode("node-9")))); err == nil || !strings.Contains(err.Error(), "not a node") {
		t.Errorf("Update to an unknown node: %v", err)
	}
}

func TestAddRemoveKeepOrder(t *testing.T) {
	p := &Plan{Name: "t"}
	for _, key := range []string{"b/b", "a/a", "c/c", "a/a"} {
		ns, name, _ := strings.Cut(key, "/")
		p.Add(Pod{Namespace: ns, Name: name})
	}
	p.Remove("b/b")
	if got := placement(p); len(got) != 2 || !strings.HasPrefix(got[0], "a/a") || !strings.HasPrefix(got[1], "c/c") {
		t.Errorf("pods = %q", got)
	}
	if _, ok := p.Pod("b/b"); ok {
		t.Error("removed pod still found")
	}
}

func virtual(node string, ips ...string) podOpt {
	return func(p *corev1.Pod) {
		p.Annotations = map[string]string{VirtualAnnotation: "true"}
		p.Spec.NodeName = node
		if len(ips) > 0 {
			p.Status.PodIP = ips[0]
		}
		withIPs(ips...)(p)
	}
}

func TestVirtualPods(t *testing.T) {
	set := testSet(
		testPod("a/real"),
		testPod("v/one", virtual("remote", "10.250.0.1")),
		testPod("v/two", virtual("far-away", "fd00:250::2", "10.250.0.2")),
	)
	p, err := New("t", 1, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes) != 1 || p.Nodes[0].Name != "node-1" {
		t.Errorf("nodes = %+v, want only node-1", p.Nodes)
	}
	want := []string{
		"a/real node-1 10.244.1.2 fd00:10:244:1::2",
		"v/one remote 10.250.0.1 invalid IP",
		"v/two far-away 10.250.0.2 fd00:250::2",
	}
	if got := placement(p); !reflect.DeepEqual(got, want) {
		t.Errorf("placement:\n got %q\nwant %q", got, want)
	}
	one, _ := p.Pod("v/one")
	if !one.Virtual || one.Netns != "" || one.HostVeth != "" {
		t.Errorf("v/one = %+v, want virtual with no netns or veth", one)
	}

	// A virtual pod that becomes real is a new pod; its address stays taken
	// while another virtual pod holds it.
	next, err := p.Update(testSet(testPod("a/real"), testPod("v/one"), testPod("v/two", virtual("far-away", "10.250.0.2"))))
	if err != nil {
		t.Fatal(err)
	}
	gone, added := Diff(p, next)
	if len(gone) != 2 || len(added) != 2 || added[0].Key() != "v/one" || added[0].Virtual || added[0].Node != "node-1" {
		t.Errorf("Diff: gone %v, added %v", gone, added)
	}
	if _, err := p.Update(testSet(testPod("a/real", withIPs("10.250.0.1")), testPod("v/one", virtual("remote", "10.250.0.1")))); err == nil {
		t.Error("a real pod got a virtual pod's address")
	}
}

func TestVirtualPodsRejected(t *testing.T) {
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"no node", testPod("v/x", virtual("", "10.250.0.1")), "needs spec.nodeName"},
		{"no address", testPod("v/x", virtual("remote")), "needs status.podIP"},
		{"cluster node", testPod("v/x", virtual("node-1", "10.250.0.1")), "which the cluster builds"},
		{"bad value", func() *corev1.Pod {
			p := testPod("v/x", virtual("remote", "10.250.0.1"))
			p.Annotations[VirtualAnnotation] = "yes"
			return p
		}(), "neither"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New("t", 1, testSet(testPod("a/real"), tc.pod))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
