package suite

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/bench/bpfbench"
	"github.com/zeta-net/zeta/tests/bench/load"
)

func TestFirewallRules(t *testing.T) {
	server, client := netip.MustParseAddr("10.244.2.2"), netip.MustParseAddr("10.244.1.2")
	for _, s := range Setups {
		if s.Firewall == NoFirewall {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(firewallRules(s, server, client))), "\n")
		var rules []string
		for _, l := range lines {
			if strings.HasPrefix(l, "-A "+chain+" ") {
				rules = append(rules, l)
			}
		}
		want := s.Peers*PeerPorts + 3 // the client's two, DROP
		if s.Firewall == Established {
			want++
			if !strings.Contains(rules[0], "ESTABLISHED,RELATED -j ACCEPT") {
				t.Errorf("%s: first rule %q, want the ESTABLISHED shortcut", s.Key, rules[0])
			}
		}
		if len(rules) != want {
			t.Errorf("%s: %d rules in %s, want %d", s.Key, len(rules), chain, want)
		}
		n := len(rules)
		if !strings.HasSuffix(rules[n-1], "-j DROP") || !strings.Contains(rules[n-2], "-s 10.244.1.2/32 -p tcp -m tcp --dport 7000 -j ACCEPT") {
			t.Errorf("%s: chain ends %q, want the client's rules, then DROP", s.Key, rules[n-3:])
		}
		if lines[0] != "*filter" || lines[len(lines)-1] != "COMMIT" || !strings.Contains(lines[2], "-A FORWARD -d 10.244.2.2/32 -j "+chain) {
			t.Errorf("%s: not an iptables-restore table jumping from FORWARD: %q", s.Key, lines[:3])
		}
	}
}

func TestManifests(t *testing.T) {
	s := Setups[slices.IndexFunc(Setups, func(s Setup) bool { return s.Key == "zeta10k" })]
	dir := t.TempDir()
	if err := writeManifests(dir, s); err != nil {
		t.Fatal(err)
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Pods) != 2+s.Peers {
		t.Errorf("%d pods, want %d", len(set.Pods), 2+s.Peers)
	}
	np := set.NetworkPolicies[namespace+"/server"]
	if np == nil || len(np.Spec.Ingress) != s.Peers+1 || len(np.Spec.Ingress[0].Ports) != PeerPorts {
		t.Fatalf("policy %+v: want %d rules of %d ports", np, s.Peers+1, PeerPorts)
	}
	last := np.Spec.Ingress[s.Peers]
	if last.From[0].PodSelector.MatchLabels["app"] != "client" || len(last.Ports) != 2 {
		t.Errorf("last rule %+v, want the client's on two ports", last)
	}
	seen := map[string]bool{}
	for _, p := range set.Pods {
		if p.Spec.NodeName == peerNode {
			seen[p.Labels["peer"]+" "+p.Status.PodIP] = true
		}
	}
	if len(seen) != s.Peers {
		t.Errorf("%d distinct peers, want %d", len(seen), s.Peers)
	}
	if _, err := os.Stat(filepath.Join(dir, "cluster.yaml")); err != nil {
		t.Error(err)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10003: "10,003", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// sample is a measurement with the given throughput and p50s in µs.
func sample(gbps float64, rr, crr int) Sample {
	us := func(n int) load.Result {
		return load.Result{Samples: 1, P50: time.Duration(n) * time.Microsecond, P99: time.Duration(2*n) * time.Microsecond}
	}
	return Sample{Gbps: gbps, RR: us(rr), CRR: us(crr), Took: time.Second}
}

// fakeResult has three rounds per setup; setup i adds i µs to the
// baseline's latencies and loses i% of its throughput.
func fakeResult() *Result {
	res := &Result{Options: Options{Rounds: 3, Seconds: 3, RR: 100, CRR: 10}, Machine: Machine{CPUs: 2}, Load: [2]string{"0.1", "0.2"}}
	for i, s := range Setups {
		sr := SetupResult{Setup: s, Rules: 10003}
		for round := range 3 {
			sr.Samples = append(sr.Samples, sample(10*(1-float64(i)/100)+float64(round)/10, 30+i+round, 100+i+round))
		}
		res.Setups = append(res.Setups, sr)
	}
	res.Micro = []Micro{
		{Packet: bpfbench.NewConnection, Entries: []int{1, 10000}, NsPerOp: []float64{200, 250}},
		{Packet: bpfbench.Established, Entries: []int{1, 10000}, NsPerOp: []float64{100, 100}},
	}
	return res
}

func TestSummarizePairsRounds(t *testing.T) {
	rows := summarize(fakeResult())
	if r := rows[0]; r.Ratio != 1 || r.AddedRR != 0 || r.RRP50 != 31 || r.RRRange != [2]float64{30, 32} {
		t.Errorf("baseline row %+v", r)
	}
	if r := rows[2]; r.AddedRR != 2 || r.AddedCRR != 2 || r.CRRP99 != 2*103 {
		t.Errorf("row of %s: added %v/%v µs, CRR p99 %v; want 2/2 and 206", r.Setup.Key, r.AddedRR, r.AddedCRR, r.CRRP99)
	}
}

func TestReport(t *testing.T) {
	var b bytes.Buffer
	if err := Report(&b, fakeResult(), []string{"-out", "docs/benchmarks.md"}); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{
		"`go run ./tests/bench -out docs/benchmarks.md`",
		"| Zeta, 10,000 rules | 10,003 policy entries | ",
		"| iptables, 10,000 rules | 10,003 iptables rules | ",
		"- Throughput with 10,000 rules at least 0.95 × the baseline: 0.980, **met**.",
		"## The datapath program alone",
		"| new connection: policy lookup, denied | 200.0 | 250.0 | 1.25 |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(doc, "%!") {
		t.Errorf("report has a formatting error:\n%s", doc)
	}
}
