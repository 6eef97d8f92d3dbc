package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// offlineCluster: x/a (node-1) isolated for ingress but from x/b on
// TCP/80; x/b on node-2.
const offlineCluster = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec: {nodeName: node-1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b}}
spec: {nodeName: node-2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{port: 80}]
`

func offlineDir(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPolicyMatrix(t *testing.T) {
	dir := offlineDir(t, offlineCluster)
	evaluators := []string{"go"}
	if os.Geteuid() == 0 {
		evaluators = append(evaluators, "bpf", "auto")
	}
	for _, ev := range evaluators {
		code, out, stderr := zetactl(t, "policy", "matrix", "-f", dir, "--evaluator", ev, "-o", "json")
		if code != exitOK {
			t.Fatalf("--evaluator %s: exit %d: %s", ev, code, stderr)
		}
		// zeta-lab matrix's fields, in its order, then the evaluator.
		want := `{"protocol":"TCP","port":80,"pods":["x/a","x/b"],"allowed":[[true,true],[true,true]],"evaluator":"` +
			strings.Replace(ev, "auto", "bpf", 1) + `"}` + "\n"
		if out != want {
			t.Errorf("--evaluator %s:\n got %s\nwant %s", ev, out, want)
		}
	}

	code, out, _ := zetactl(t, "policy", "matrix", "-f", dir, "--evaluator", "go", "--protocol", "udp", "--ipv6")
	if code != exitOK || !strings.Contains(out, "UDP/80 IPv6") || !strings.Contains(out, "evaluated offline in Go") ||
		strings.Count(out, "✓") != 3 {
		t.Errorf("UDP table (exit %d):\n%s", code, out)
	}
}

func TestPolicyExplain(t *testing.T) {
	dir := offlineDir(t, offlineCluster)
	code, out, stderr := zetactl(t, "policy", "explain", "-f", dir, "--from", "x/b", "--to", "x/a", "--evaluator", "go")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	contains(t, "explain", out, "x/b -> x/a TCP/80 IPv4", "ALLOWED", "egress at x/b (on node-2",
		"ingress at x/a (on node-1", "yes, by NetworkPolicy x/allow-b", "allowed by NetworkPolicy x/allow-b ingress[0]")

	code, out, _ = zetactl(t, "policy", "explain", "-f", dir, "--from", "x/b", "--to", "x/a", "--port", "81", "--evaluator", "go", "-o", "json")
	var x struct {
		Allowed bool
		Ingress struct {
			Enforced   bool
			EnforcedBy []string
			Reason     string
			Why        string
		}
	}
	if err := json.Unmarshal([]byte(out), &x); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if x.Allowed || !x.Ingress.Enforced || !slices.Equal(x.Ingress.EnforcedBy, []string{"NetworkPolicy x/allow-b"}) ||
		x.Ingress.Reason != "policy_default_deny" || !strings.HasPrefix(x.Ingress.Why, "default deny") {
		t.Errorf("b->a TCP/81: %+v", x)
	}
}

func TestPolicyOfflineErrors(t *testing.T) {
	dir := offlineDir(t, offlineCluster)
	bad := offlineDir(t, "apiVersion: v1\nkind: Pod\nmetadata: [broken\n")
	invalid := offlineDir(t, offlineCluster+`---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: x}
spec:
  podSelector: {}
  ingress: [{ports: [{port: 80, endPort: 70}]}]
`)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"policy", "matrix"}, exitUsage, "-f DIR is required"},
		{[]string{"policy", "matrix", "-f", dir, "--protocol", "ICMP"}, exitUsage, `unknown protocol "ICMP"`},
		{[]string{"policy", "matrix", "-f", dir, "--port", "0"}, exitUsage, "--port 0"},
		{[]string{"policy", "matrix", "-f", dir, "-o", "yaml"}, exitUsage, "-o yaml"},
		{[]string{"policy", "matrix", "-f", dir, "--evaluator", "kernel"}, exitUsage, "--evaluator kernel"},
		{[]string{"policy", "matrix", "-f", dir, "--trust-domain", "a/b"}, exitUsage, "--trust-domain"},
		{[]string{"policy", "explain", "-f", dir, "--from", "a", "--to", "x/a"}, exitUsage, `--from "a"`},
		{[]string{"policy", "explain", "-f", dir, "--from", "x/a"}, exitUsage, `--to ""`},
		{[]string{"policy", "explain", "-f", dir, "--from", "x/a", "--to", "x/zz", "--evaluator", "go"}, exitError, "x/zz: no such pod"},
		{[]string{"policy", "matrix", "-f", filepath.Join(dir, "nope")}, exitError, "load manifests"},
		{[]string{"policy", "matrix", "-f", bad}, exitError, "document 1"},
		{[]string{"policy", "matrix", "-f", invalid, "--evaluator", "go"}, exitOK, "NetworkPolicy x/bad is invalid and applies nowhere"},
	} {
		code, _, stderr := zetactl(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("zetactl %s: exit %d, stderr %q; want exit %d, stderr with %q",
				strings.Join(tc.args, " "), code, stderr, tc.code, tc.stderr)
		}
	}
}
