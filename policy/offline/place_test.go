package offline

import (
	"reflect"
	"testing"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab/materialize"
	"github.com/zeta-net/zeta/tests/lab/plan"
)

// TestPlaceAsLab holds place to what zeta-lab hands its agents: the same
// nodes and addresses, the same pod status, the same namespaces.
func TestPlaceAsLab(t *testing.T) {
	set := load(t, testCluster, `apiVersion: v1
kind: Pod
metadata: {name: free, namespace: w, labels: {pod: free}}
---
apiVersion: v1
kind: Pod
metadata: {name: v6, namespace: w}
status: {podIP: "fd00:10:244:2::9"}
---
apiVersion: v1
kind: Pod
metadata: {name: far, namespace: w, annotations: {zeta-lab/virtual: "true"}}
spec: {nodeName: remote}
status: {podIP: "10.250.0.7"}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: policy-only}
spec: {podSelector: {}}
`)
	got, _, err := place(set, 3)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(planName, 3, set)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := materialize.Write(dir, set, p); err != nil {
		t.Fatal(err)
	}
	want, err := manifest.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Pods) != len(want.Pods) || len(got.Namespaces) != len(want.Namespaces) {
		t.Fatalf("placed %d pods and %d namespaces, zeta-lab %d and %d", len(got.Pods), len(got.Namespaces), len(want.Pods), len(want.Namespaces))
	}
	for key, w := range want.Pods {
		g := got.Pods[key]
		if g == nil || g.Spec.NodeName != w.Spec.NodeName || !reflect.DeepEqual(g.Status, w.Status) || !reflect.DeepEqual(g.Labels, w.Labels) {
			t.Errorf("pod %s placed as\n %+v %+v\nzeta-lab:\n %+v %+v", key, g.Spec.NodeName, g.Status, w.Spec.NodeName, w.Status)
		}
	}
	for name, w := range want.Namespaces {
		if g := got.Namespaces[name]; g == nil || !reflect.DeepEqual(g.Labels, w.Labels) {
			t.Errorf("namespace %s: %+v, zeta-lab %+v", name, g, w)
		}
	}
	if set.Pods["x/a"].Status.PodIP != "" || set.Namespaces["x"].Labels[nameLabel] != "" {
		t.Error("place modified its input")
	}
}

// TestModelPods checks that the virtual pod is a peer but no row.
func TestModelPods(t *testing.T) {
	m := build(t, DefaultConfig(), testCluster, `apiVersion: v1
kind: Pod
metadata: {name: far, namespace: w, annotations: {zeta-lab/virtual: "true"}}
spec: {nodeName: remote}
status: {podIP: "10.250.0.7"}
`)
	var keys []string
	for _, p := range m.Pods {
		keys = append(keys, p.Key)
	}
	if !reflect.DeepEqual(keys, []string{"x/a", "x/b", "x/c"}) {
		t.Errorf("pods %v, want the running ones", keys)
	}
	if len(m.Nodes) != 2 || m.Nodes[0].Name != "node-1" || m.Nodes[1].Index != 1 {
		t.Errorf("nodes %+v", m.Nodes)
	}
	n := m.Nodes[0]
	if id := n.PeerIdentity(mustAddr("10.250.0.7")); id.Reserved() {
		t.Errorf("the virtual pod's address has identity %s, want a pod's", id)
	}
}
