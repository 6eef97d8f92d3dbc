package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/labns"
)

// webPolicy gives the pods labelled web (b on node-2, c on node-1, of
// mtlsCluster) HTTP rules on port 8080, which the test serves itself.
const webPolicy = `apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: web, namespace: x}
spec:
  selector: {matchLabels: {web: "yes"}}
  ingress:
  - name: get-ok
    from: [{podSelector: {matchLabels: {pod: a}}}]
    ports: [{protocol: TCP, port: 8080}]
    http: [{methods: [GET], paths: [{exact: /ok}]}]
`

// TestL7HTTPRules: a's requests to a pod port with HTTP rules are judged
// by the agents' L7 proxy, on the same node (c, in plaintext) and across
// nodes (b, inside the tunnel, judged by b's agent): GET /ok reaches the
// workload, GET /nope gets 403, and each decision is an L7 flow record.
func TestL7HTTPRules(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": mtlsCluster, "web.yaml": webPolicy})
	c := up(t, dir, lab.Config{AgentArgs: []string{"--transparent-proxy", "--ca-dir=" + t.TempDir()}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, to := range []string{"x/b", "x/c"} {
		p, ok := c.Pod(to)
		if !ok {
			t.Fatalf("pod %s not in the lab", to)
		}
		serveHTTP(t, p.Netns, to)
		for path, want := range map[string]string{"/ok": "200", "/nope": "403"} {
			url := fmt.Sprintf("http://%s:8080%s", p.IPv4, path)
			cmd, err := c.Exec(ctx, "x/a", "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", url)
			if err != nil {
				t.Fatal(err)
			}
			out, err := cmd.Output()
			if got := strings.TrimSpace(string(out)); got != want {
				t.Errorf("a: GET %s (%s) = %q (%v), want %s", url, to, got, err, want)
			}
		}
	}

	type want struct {
		to, node, path, verdict string
		status                  int
	}
	// b's requests are judged by b's agent, at the end of the tunnel.
	wants := []want{
		{"b", "node-2", "/ok", "ALLOWED", 200}, {"b", "node-2", "/nope", "DENIED", 403},
		{"c", "node-1", "/ok", "ALLOWED", 200}, {"c", "node-1", "/nope", "DENIED", 403},
	}
	var missing []want
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		records, err := c.Flows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		missing = nil
		for _, w := range wants {
			if !slices.ContainsFunc(records, func(r flow.Record) bool {
				return r.Type == flow.TypeL7 && r.L7 != nil && r.Source.Pod == "a" && r.Destination.Pod == w.to && r.Node == w.node &&
					r.L7.Method == "GET" && r.L7.Path == w.path && r.L7.Status == w.status && r.Verdict == w.verdict
			}) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			break
		}
	}
	for _, w := range missing {
		t.Errorf("no L7 flow record on %s of a -> %s GET %s %s %d", w.node, w.to, w.path, w.verdict, w.status)
	}
}

// serveHTTP serves HTTP on port 8080 in netns, answering every request
// with the pod's name, until the test ends.
func serveHTTP(t *testing.T, netns, pod string) {
	t.Helper()
	var ln net.Listener
	err := labns.Do(netns, func() error {
		var err error
		ln, err = net.Listen("tcp", ":8080")
		return err
	})
	if err != nil {
		t.Fatalf("serve http in %s: %v", pod, err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintln(w, pod)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}
