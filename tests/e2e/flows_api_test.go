package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// TestFlowsAPI sends traffic of a known shape through a cluster where a
// denies ingress except TCP/80 from b, and checks that `zetactl flows -o
// json`, streaming from each live agent's API, shows exactly the records
// that traffic makes: one per new connection and hook, one per dropped
// packet, with both ends named.
func TestFlowsAPI(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": cluster, "deny.yaml": denyIngressToA, "allow.yaml": allowBToA})
	// Verdict records only: no conntrack pass reports a connection's end
	// while the test counts records (TestExport checks ends).
	c := up(t, dir, lab.Config{AgentArgs: []string{"--ct-gc-interval=1h"}})
	zetactl := buildZetactl(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	agentDir := func(node string) string { return state.Layout{Name: c.Name()}.AgentDir(node) }
	flows := func(node string, args ...string) []flow.Record {
		t.Helper()
		out, err := exec.CommandContext(ctx, zetactl, append([]string{"--state-dir", agentDir(node), "flows", "-o", "json"}, args...)...).Output()
		if err != nil {
			t.Fatalf("zetactl flows on %s: %v: %s", node, err, stderrOf(err))
		}
		var recs []flow.Record
		for line := range strings.Lines(string(out)) {
			var r flow.Record
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("zetactl flows -o json: %v: %q", err, line)
			}
			recs = append(recs, r)
		}
		return recs
	}
	probe := func(from, to string, want bool) {
		t.Helper()
		// 500ms is less than the first SYN retransmission (1s): a refused
		// connection sends one SYN.
		got, err := c.Probe(ctx, from, to, corev1.ProtocolTCP, 80, lab.ProbeOptions{Timeout: 500 * time.Millisecond})
		if err != nil || got != want {
			t.Fatalf("probe %s -> %s: %v, %v; want %v", from, to, got, err, want)
		}
	}

	probe("x/b", "x/a", true)
	probe("x/c", "x/a", false)

	// Node 1 judges b -> a at a's ingress (allowed by allow-b), and c -> a
	// at c's egress (no policy: allowed) and at a's ingress (denied).
	want1 := []string{
		"node-1 ingress x/b -> x/a:80 TCP[SYN] ALLOWED policy=NetworkPolicy x/allow-b ingress[0] endpoint=x/a",
		"node-1 egress x/c -> x/a:80 TCP[SYN] ALLOWED endpoint=x/c",
		"node-1 ingress x/c -> x/a:80 TCP[SYN] DENIED reason=policy_default_deny endpoint=x/a",
	}
	// Node 2 judges b -> a at b's egress only.
	want2 := []string{"node-2 egress x/b -> x/a:80 TCP[SYN] ALLOWED endpoint=x/b"}
	got1 := waitFlows(t, func() []flow.Record { return flows("node-1", "--to-pod", "x/a", "--port", "80") }, len(want1))
	got2 := waitFlows(t, func() []flow.Record { return flows("node-2", "--to-pod", "x/a") }, len(want2))
	expectFlows(t, "node-1", got1, want1)
	expectFlows(t, "node-2", got2, want2)

	// Every field the schema promises for a pod-to-pod flow.
	allowed := got1[0]
	if allowed.Source.SPIFFEID != "spiffe://cluster.local/ns/x/sa/default" || allowed.Source.Labels["pod"] != "b" ||
		allowed.Destination.Labels["pod"] != "a" || allowed.Source.Identity == 0 || allowed.Destination.Identity == 0 ||
		allowed.RuleID == 0 || allowed.Packets != 1 || allowed.Bytes == 0 || allowed.Ifindex == 0 || allowed.IPVersion != 4 ||
		allowed.TraceContext != "" {
		t.Errorf("allowed record: %+v", allowed)
	}

	// Filters: the same records, selected on the agent.
	expectFlows(t, "node-1 --verdict denied", flows("node-1", "--verdict", "denied", "--from-pod", "x/c"), want1[2:])
	expectFlows(t, "node-1 --identity", flows("node-1", "--identity", fmt.Sprint(allowed.Source.Identity), "--protocol", "tcp"), want1[:1])
	expectFlows(t, "node-1 --last 1", flows("node-1", "--to-pod", "x/a", "--last", "1"), want1[2:])
	expectFlows(t, "node-1 --since", flows("node-1", "--to-pod", "x/a", "--since", got1[1].Time.Format(time.RFC3339Nano)), want1[1:])

	t.Run("follow", func(t *testing.T) {
		fctx, fcancel := context.WithCancel(ctx)
		defer fcancel()
		cmd := exec.CommandContext(fctx, zetactl, "--state-dir", agentDir("node-1"), "observe", "-f", "--since", "1s", "--from-pod", "x/b", "-o", "json")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Wait() }()
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		time.Sleep(300 * time.Millisecond) // subscribed
		probe("x/b", "x/a", true)
		select {
		case line := <-lines:
			var r flow.Record
			if err := json.Unmarshal([]byte(line), &r); err != nil || r.Source.Pod != "b" || r.Verdict != "ALLOWED" {
				t.Errorf("followed record %q: %v", line, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no record while following")
		}
		fcancel()
	})

	t.Run("status", func(t *testing.T) {
		out, err := exec.CommandContext(ctx, zetactl, "--state-dir", agentDir("node-1"), "status", "-o", "json").Output()
		if err != nil {
			t.Fatalf("zetactl status: %v: %s", err, stderrOf(err))
		}
		var st inspect.Status
		if err := json.Unmarshal(out, &st); err != nil {
			t.Fatal(err)
		}
		if st.Node != "node-1" || st.Version == "" || st.Agent.Health == nil || !st.Agent.Health.Ready ||
			st.IdentitySource == nil || !strings.HasPrefix(st.IdentitySource.Source, "directory ") ||
			st.FlowPipeline == nil || st.FlowPipeline.Records == 0 || st.FlowEvents == nil {
			t.Errorf("status: %s", out)
		}
		// The agent names the interfaces of its own namespace.
		for _, l := range st.Links {
			if l.Interface == "" || l.LinkID == 0 {
				t.Errorf("status link without interface or link ID: %+v", l)
			}
		}
		i := slices.IndexFunc(st.FlowPipeline.Consumers, func(c inspect.FlowConsumer) bool { return c.Name == "flowlog" })
		if i < 0 || !st.FlowPipeline.Consumers[i].Healthy || st.FlowPipeline.Consumers[i].Dropped != 0 {
			t.Errorf("status: flow log consumer: %+v", st.FlowPipeline.Consumers)
		}
	})
}

// waitFlows reads until n records arrived, then once more after a pause
// so that any record beyond them shows too.
func waitFlows(t *testing.T, read func() []flow.Record, n int) []flow.Record {
	t.Helper()
	var got []flow.Record
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = read(); len(got) >= n {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	return read()
}

// expectFlows compares records, shown by flowShape, with want in order.
func expectFlows(t *testing.T, what string, got []flow.Record, want []string) {
	t.Helper()
	shapes := make([]string, len(got))
	for i := range got {
		shapes[i] = flowShape(&got[i])
	}
	if !slices.Equal(shapes, want) {
		t.Errorf("%s: flows\n  %s\nwant\n  %s", what, strings.Join(shapes, "\n  "), strings.Join(want, "\n  "))
	}
}

// flowShape shows what the test controls of a record: not times,
// addresses or the client's port.
func flowShape(r *flow.Record) string {
	end := func(p flow.Peer, port bool) string {
		s := p.Namespace + "/" + p.Pod
		if p.Pod == "" {
			s = p.IP
		}
		if port {
			s += fmt.Sprintf(":%d", p.Port)
		}
		return s
	}
	s := fmt.Sprintf("%s %s %s -> %s %s[%s] %s", r.Node, r.Direction, end(r.Source, false), end(r.Destination, true), r.Protocol, r.TCPFlags, r.Verdict)
	if r.DropReason != "" {
		s += " reason=" + r.DropReason
	}
	if r.Policy != "" {
		s += " policy=" + r.Policy
	}
	return s + " endpoint=" + r.Endpoint
}

// buildZetactl builds zetactl from this tree.
func buildZetactl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "zetactl")
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", bin, "./cmd/zetactl")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build zetactl: %v\n%s", err, out)
	}
	return bin
}

func stderrOf(err error) string {
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return string(ee.Stderr)
	}
	return ""
}
