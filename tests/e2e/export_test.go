package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/export/ocsf"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/otelcoltest"
	"github.com/zeta-net/zeta/tests/rsyslogtest"
)

// TestExport runs the sandbox's agents with two exporters, OTLP over
// gRPC with mutual TLS to a real OpenTelemetry Collector and syslog over
// TLS (RFC 5425, OCSF JSON payloads) to a real rsyslog, both running in
// node-1's namespace, and sends traffic of a known shape through a where
// only b may reach it: the collector's file and rsyslog's file must each
// hold exactly the records that traffic makes on both nodes, with both
// pods, verdicts, the drop reason, the policy and the SPIFFE IDs; and,
// once the allowed connection closed, its end with the totals of both
// sides (the agents look for ended connections every half second).
func TestExport(t *testing.T) {
	// The agents start with an empty exporter list; once the receivers
	// run in node-1's namespace (which exists only when the cluster is
	// up), the list names them and the agents restart to read it.
	exportConfig := filepath.Join(t.TempDir(), "exporters.yaml")
	write(t, filepath.Dir(exportConfig), filepath.Base(exportConfig), "")
	dir := manifests(t, map[string]string{"cluster.yaml": cluster, "deny.yaml": denyIngressToA, "allow.yaml": allowBToA})
	c := up(t, dir, lab.Config{AgentArgs: []string{"--export-config=" + exportConfig, "--ct-gc-interval=500ms"}})

	i := slices.IndexFunc(c.Nodes(), func(n plan.Node) bool { return n.Name == "node-1" })
	netns, host := labns.Path(c.Nodes()[i].Netns), c.Nodes()[i].IPv4.Addr().String()
	coll := otelcoltest.Start(t, otelcoltest.Options{Netns: netns, Host: host})
	syslog := rsyslogtest.Start(t, rsyslogtest.Options{Netns: netns, Host: host})
	write(t, filepath.Dir(exportConfig), filepath.Base(exportConfig), fmt.Sprintf(`otlp:
  - name: collector
    endpoint: %q
    protocol: grpc
    resource_attributes: {test.case: export}
    tls: {ca_file: %q, cert_file: %q, key_file: %q, server_name: localhost}
syslog:
  - name: siem
    address: %q
    transport: tls
    format: json
    tls: {ca_file: %q, cert_file: %q, key_file: %q, server_name: localhost}
`, coll.Endpoint(otelcoltest.GRPCTLS), coll.PKI.CA, coll.PKI.ClientCert, coll.PKI.ClientKey,
		syslog.Addr(rsyslogtest.TLS), syslog.PKI.CA, syslog.PKI.ClientCert, syslog.PKI.ClientKey))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, n := range c.Nodes() {
		if err := c.RestartAgent(ctx, n.Name); err != nil {
			t.Fatal(err)
		}
	}

	probe := func(from, to string, want bool) {
		t.Helper()
		// Shorter than the first SYN retransmission: a refused connection sends one SYN.
		got, err := c.Probe(ctx, from, to, corev1.ProtocolTCP, 80, lab.ProbeOptions{Timeout: 500 * time.Millisecond})
		if err != nil || got != want {
			t.Fatalf("probe %s -> %s: %v, %v; want %v", from, to, got, err, want)
		}
	}
	probe("x/b", "x/a", true)
	probe("x/c", "x/a", false)

	// Node 1 judges b -> a at a's ingress (allowed by allow-b), and c -> a
	// at c's egress (no policy: allowed) and at a's ingress (denied); node
	// 2 judges b -> a at b's egress.
	want := []string{
		"node-1 egress x/c -> x/a:80 TCP[SYN] ALLOWED endpoint=x/c",
		"node-1 ingress x/b -> x/a:80 TCP[SYN] ALLOWED policy=NetworkPolicy x/allow-b ingress[0] endpoint=x/a",
		"node-1 ingress x/c -> x/a:80 TCP[SYN] DENIED reason=policy_default_deny endpoint=x/a",
		"node-2 egress x/b -> x/a:80 TCP[SYN] ALLOWED endpoint=x/b",
	}
	toA := func(r *flow.Record) bool {
		return r.Destination.Namespace == "x" && r.Destination.Pod == "a" && r.Destination.Port == 80
	}
	// The allowed connection, b -> a, ends on both nodes: one record per
	// hook that tracked it, as for its verdicts.
	wantEnds := []string{
		"node-1 ingress x/b -> x/a:80 TCP ALLOWED policy=NetworkPolicy x/allow-b ingress[0] endpoint=x/a closed",
		"node-2 egress x/b -> x/a:80 TCP ALLOWED endpoint=x/b closed",
	}
	check := func(t *testing.T, what string, read func() []flow.Record) {
		verdicts := func() []flow.Record {
			return slices.DeleteFunc(read(), func(r flow.Record) bool { return !toA(&r) || r.Type != "" })
		}
		ends := func() []flow.Record {
			return slices.DeleteFunc(read(), func(r flow.Record) bool { return !toA(&r) || r.Type != flow.TypeEnd })
		}
		got := waitRecords(t, len(want), verdicts)
		expectShapes(t, what, got, want)
		checkIdentities(t, what, got)
		gotEnds := waitRecords(t, len(wantEnds), ends)
		var shapes []string
		for _, r := range gotEnds {
			shapes = append(shapes, endShape(&r))
			// SYN, ACK, FIN and the last ACK one way; SYN-ACK, the
			// greeting and FIN the other.
			if tt := r.Totals; tt.FwdPackets < 3 || tt.RevPackets < 3 || tt.RevBytes == 0 || tt.Started.IsZero() {
				t.Errorf("%s: %s: totals %+v", what, endShape(&r), *tt)
			}
		}
		slices.Sort(shapes)
		if !slices.Equal(shapes, wantEnds) {
			t.Errorf("%s: ends\n  %s\nwant\n  %s", what, strings.Join(shapes, "\n  "), strings.Join(wantEnds, "\n  "))
		}
		checkIdentities(t, what, gotEnds)
	}

	t.Run("collector", func(t *testing.T) {
		check(t, "collector", func() []flow.Record {
			var out []flow.Record
			for _, g := range coll.Records(t) {
				if g.Resource["test.case"] == "export" {
					out = append(out, fromOTLP(g))
				}
			}
			return out
		})
	})
	t.Run("rsyslog", func(t *testing.T) {
		check(t, "rsyslog", func() []flow.Record {
			var out []flow.Record
			for _, line := range rsyslogtest.Lines(t, syslog.ParsedLog) {
				out = append(out, fromOCSF(t, line))
			}
			return out
		})
	})
}

// endShape shows what the test controls of an end record.
func endShape(r *flow.Record) string {
	s := fmt.Sprintf("%s %s %s/%s -> %s/%s:%d %s %s", r.Node, r.Direction, r.Source.Namespace, r.Source.Pod,
		r.Destination.Namespace, r.Destination.Pod, r.Destination.Port, r.Protocol, r.Verdict)
	if r.Policy != "" {
		s += " policy=" + r.Policy
	}
	return s + " endpoint=" + r.Endpoint + " " + r.Totals.End
}

// waitRecords reads until n records arrived, then once more after a
// pause so that any record beyond them shows too.
func waitRecords(t *testing.T, n int, read func() []flow.Record) []flow.Record {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if len(read()) >= n {
			break
		}
	}
	time.Sleep(time.Second)
	return read()
}

// expectShapes compares records, shown by flowShape, with want in any
// order: the nodes export independently.
func expectShapes(t *testing.T, what string, got []flow.Record, want []string) {
	t.Helper()
	shapes := make([]string, len(got))
	for i := range got {
		shapes[i] = flowShape(&got[i])
	}
	slices.Sort(shapes)
	if !slices.Equal(shapes, want) {
		t.Errorf("%s: flows\n  %s\nwant\n  %s", what, strings.Join(shapes, "\n  "), strings.Join(want, "\n  "))
	}
}

// checkIdentities checks that both ends of every record carry their
// SPIFFE ID, identity and labels.
func checkIdentities(t *testing.T, what string, got []flow.Record) {
	t.Helper()
	for _, r := range got {
		for _, p := range []flow.Peer{r.Source, r.Destination} {
			if p.SPIFFEID != "spiffe://cluster.local/ns/x/sa/default" || p.Identity == 0 || p.Labels["pod"] != p.Pod {
				t.Errorf("%s: %s: peer %+v", what, flowShape(&r), p)
			}
		}
	}
}

// fromOTLP reads back the fields of a record the OTLP exporter wrote.
func fromOTLP(g otelcoltest.Received) flow.Record {
	a := otelcoltest.Attrs(g.Record.Attributes)
	str := func(k string) string { s, _ := a[k].(string); return s }
	num := func(k string) int64 { n, _ := a[k].(int64); return n }
	peer := func(prefix string) flow.Peer {
		p := flow.Peer{Namespace: str(prefix + "namespace"), Pod: str(prefix + "pod"), SPIFFEID: str(prefix + "spiffe_id"), Identity: uint32(num(prefix + "identity"))}
		if labels, ok := a[prefix+"labels"].(map[string]any); ok {
			p.Labels = map[string]string{}
			for k, v := range labels {
				p.Labels[k], _ = v.(string)
			}
		}
		return p
	}
	r := flow.Record{
		Node: fmt.Sprint(g.Resource["k8s.node.name"]), Direction: str("zeta.direction"), Protocol: str("zeta.protocol"),
		TCPFlags: str("zeta.tcp_flags"), Verdict: str("zeta.verdict"), DropReason: str("zeta.drop_reason"), Policy: str("zeta.policy"),
		Source: peer("zeta.source."), Destination: peer("zeta.destination."),
	}
	r.Destination.Port = uint16(num("destination.port"))
	if ns, ok := a["k8s.namespace.name"].(string); ok {
		r.Endpoint = ns + "/" + str("k8s.pod.name")
	}
	if r.Type = str("zeta.type"); r.Type == flow.TypeEnd {
		r.Totals = &flow.Totals{
			FwdPackets: uint64(num("zeta.totals.fwd_packets")), FwdBytes: uint64(num("zeta.totals.fwd_bytes")),
			RevPackets: uint64(num("zeta.totals.rev_packets")), RevBytes: uint64(num("zeta.totals.rev_bytes")),
			Started: time.Unix(0, num("zeta.started_unix_nano")), End: str("zeta.end"),
		}
	}
	return r
}

// fromOCSF reads back the fields of a record from a line of rsyslog's
// parsed log, whose last field is the OCSF event.
func fromOCSF(t *testing.T, line string) flow.Record {
	t.Helper()
	fields := strings.Split(line, "\t")
	var ev ocsf.Event
	if err := json.Unmarshal([]byte(fields[len(fields)-1]), &ev); err != nil {
		t.Fatalf("rsyslog's line is not an OCSF event: %v: %s", err, line)
	}
	z := ev.Unmapped.Zeta
	peer := func(p ocsf.Peer) flow.Peer {
		return flow.Peer{Namespace: p.Namespace, Pod: p.Pod, SPIFFEID: p.SPIFFEID, Identity: p.Identity, Labels: p.Labels}
	}
	r := flow.Record{
		Node: ev.Device.Name, Direction: z.Direction, Protocol: strings.ToUpper(ev.ConnectionInfo.ProtocolName),
		Verdict: z.Verdict, DropReason: z.DropReason, Endpoint: z.Endpoint,
		Source: peer(z.Source), Destination: peer(z.Destination),
	}
	r.Destination.Port = ev.DstEndpoint.Port
	if ev.FirewallRule != nil {
		r.Policy = ev.FirewallRule.Name
	}
	if ev.ActivityID == ocsf.ActivityClose {
		tr := ev.Traffic
		r.Type = flow.TypeEnd
		r.Totals = &flow.Totals{
			FwdPackets: tr.PacketsOut, FwdBytes: tr.BytesOut, RevPackets: tr.PacketsIn, RevBytes: tr.BytesIn,
			Started: time.UnixMilli(ev.StartTime), End: ev.StatusDetail,
		}
	}
	if ev.ConnectionInfo.TCPFlags != nil {
		r.TCPFlags = bpf.TCPFlags(uint8(*ev.ConnectionInfo.TCPFlags))
	}
	return r
}
