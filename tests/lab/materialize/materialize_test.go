package materialize

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab/plan"
)

const input = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: frontend, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: backend}
spec: {nodeName: node-2}
status: {podIP: "fd00::5"}
---
apiVersion: v1
kind: Pod
metadata: {name: peer, namespace: backend, annotations: {zeta-lab/virtual: "true"}}
spec: {nodeName: remote}
status: {podIP: "10.250.0.7"}
---
apiVersion: v1
kind: Namespace
metadata: {name: backend, labels: {tier: back}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ignored}
`

func TestWrite(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "in.yaml"), []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := manifest.LoadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New("t", 2, set)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "manifests")
	hash, err := Write(dir, set, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := manifest.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != hash {
		t.Errorf("Write returned hash %s, the directory has %s", hash, got.Hash)
	}
	if again, err := Write(dir, set, p); err != nil || again != hash {
		t.Errorf("writing the same input again: hash %s, %v; want %s", again, err, hash)
	}

	web := got.Pods["frontend/web"]
	planned, _ := p.Pod("frontend/web")
	if web.Spec.NodeName != planned.Node || web.Status.Phase != "Running" ||
		web.Status.PodIP != planned.IPv4.String() || len(web.Status.PodIPs) != 2 || web.Status.PodIPs[1].IP != planned.IPv6.String() ||
		web.Status.HostIP != "10.240.0.1" || web.Labels["app"] != "web" {
		t.Errorf("frontend/web materialised as spec %+v status %+v", web.Spec, web.Status)
	}
	if api := got.Pods["backend/api"]; api.Status.PodIP != "fd00::5" || api.Status.PodIPs[1].IP != "10.244.2.2" || api.Status.HostIP != "10.240.0.2" {
		t.Errorf("backend/api status %+v: want IPv6 primary as given, on node-2", api.Status)
	}
	if peer := got.Pods["backend/peer"]; peer.Spec.NodeName != "remote" || peer.Status.Phase != "Running" ||
		peer.Status.PodIP != "10.250.0.7" || len(peer.Status.PodIPs) != 1 || peer.Status.HostIP != "" || len(peer.Status.HostIPs) != 0 {
		t.Errorf("virtual backend/peer materialised as spec %+v status %+v, want it as given, with no host IP", peer.Spec, peer.Status)
	}
	if ns := got.Namespaces["backend"]; ns == nil || ns.Labels["tier"] != "back" || ns.Labels[nameLabel] != "backend" {
		t.Errorf("namespace backend = %+v", ns)
	}
	if ns := got.Namespaces["frontend"]; ns == nil || ns.Labels[nameLabel] != "frontend" {
		t.Errorf("namespace frontend, used but not declared, = %+v", ns)
	}
	if _, ok := got.NetworkPolicies["backend/deny"]; !ok {
		t.Error("policy backend/deny missing")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != File {
		t.Errorf("directory holds %v, want only %s", entries, File)
	}
}
