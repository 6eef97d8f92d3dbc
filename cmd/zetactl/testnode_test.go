package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/zeta-net/zeta/agent/datapath"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// testNode is a datapath pinned in a bpffs directory of its own, with the
// programs attached to a veth in a namespace of its own, and a state
// directory.
type testNode struct {
	dp      *datapath.Datapath
	root    string
	state   string
	ifindex uint32
	web     secid.ID
	client  secid.ID
}

// newTestNode pins a datapath in a bpffs directory of its own, attaches
// it to a veth in a new namespace and populates it; everything goes when
// the test ends.
func newTestNode(t *testing.T) (*testNode, netns.NsHandle) {
	t.Helper()
	requireRoot(t)
	n := &testNode{
		root:  fmt.Sprintf("/sys/fs/bpf/zetactl-test-%x", rand.Uint64()),
		state: t.TempDir(),
	}
	t.Cleanup(func() {
		if err := datapath.Uninstall(n.root); err != nil {
			t.Errorf("uninstall: %v", err)
		}
	})
	dp, err := datapath.Open(n.root, bpf.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dp.Close() })
	n.dp = dp

	ns := newNetns(t)
	inNetns(t, ns, func() error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "zt-web"}, PeerName: "zt-pod"}
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("add veth: %w", err)
		}
		l, err := netlink.LinkByName("zt-web")
		if err != nil {
			return err
		}
		n.ifindex = uint32(l.Attrs().Index)
		return dp.Attach(l.Attrs().Index)
	})
	n.populate(t)
	return n, ns
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

func (n *testNode) zetactl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return zetactl(t, append([]string{"--bpffs-root", n.root, "--state-dir", n.state}, args...)...)
}

// mustZetactl runs a command that must succeed.
func (n *testNode) mustZetactl(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := n.zetactl(t, args...)
	if code != exitOK {
		t.Fatalf("zetactl %s: exit %d: %s\n%s", strings.Join(args, " "), code, stderr, stdout)
	}
	return stdout
}

func contains(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

// populate writes what an agent would: identities, an endpoint, IP cache
// and policy entries, a connection, counters and a flow.
func (n *testNode) populate(t *testing.T) {
	t.Helper()
	ids, err := secid.NewAllocator(filepath.Join(n.state, "identities.json"))
	if err != nil {
		t.Fatal(err)
	}
	web := secid.Labels{Namespace: "shop", Pod: map[string]string{"app": "web"}}
	client := secid.Labels{Namespace: "shop", Pod: map[string]string{"app": "client"}, NamespaceLabels: map[string]string{"team": "a"}}
	got, err := ids.Reconcile([]secid.Labels{web, client})
	if err != nil {
		t.Fatal(err)
	}
	n.web, n.client = got[web.Key()], got[client.Key()]

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(n.dp.Endpoints.Upsert(n.ifindex, endpointmap.Info{
		ID: n.ifindex, Identity: uint32(n.web), Flags: endpointmap.EnforceIngress | endpointmap.AuditEgress,
	}))
	for p, id := range map[string]secid.ID{"10.0.0.1/32": n.client, "10.0.0.2/32": n.web, "fd00::2/128": n.web, "198.51.100.0/24": secid.World} {
		must(n.dp.IPCache.Upsert(netip.MustParsePrefix(p), uint32(id)))
	}
	for _, e := range []policy.Entry{
		{Direction: policy.Ingress, Identity: n.client, Protocol: 6, Port: 80, PortPrefix: 15, Verdict: policy.Allow, Rule: 1234},
		{Direction: policy.Ingress, Identity: secid.Host, Verdict: policy.Allow, Rule: 7},
		{Direction: policy.Egress, Identity: secid.World, Protocol: 17, Port: 53, PortPrefix: 16, Verdict: policy.Deny, Rule: 99},
	} {
		must(n.dp.Policy.Update(policymap.KeyOf(n.ifindex, e)))
	}
	// An entry of another endpoint, which policy get must not show.
	must(n.dp.Policy.Update(policymap.KeyOf(n.ifindex+1, policy.Entry{Direction: policy.Egress, Identity: n.client, Verdict: policy.Deny, Rule: 5})))

	now, err := inspect.MonotonicNow()
	must(err)
	family, src := bpf.RawAddr(netip.MustParseAddr("10.0.0.1"))
	_, dst := bpf.RawAddr(netip.MustParseAddr("10.0.0.2"))
	must(n.dp.Objects.CT.Update(
		ctmap.Key{SrcAddr: src, DstAddr: dst, SrcPortNet: htons(40000), DstPortNet: htons(80), Protocol: 6, Family: family, Flags: ctmap.FlagEgress},
		ctmap.Entry{
			Expires: now + uint64(30*time.Second), Created: now, Endpoint: n.ifindex, PeerIdentity: uint32(n.web),
			Verdict: uint8(policy.Allow), Rule: 1234, FwdPackets: 3, FwdBytes: 180, RevPackets: 2, RevBytes: 120,
			FwdTCPFlags: 0x02, RevTCPFlags: 0x12,
		}, ebpf.UpdateAny))

	perCPU := make([]metricsmap.Value, ebpf.MustPossibleCPU())
	for i := range perCPU {
		perCPU[i] = metricsmap.Value{Packets: 2, Bytes: 100}
	}
	must(n.dp.Objects.Metrics.Update(
		metricsmap.Key{Endpoint: n.ifindex, Verdict: policy.Deny, Reason: bpf.ReasonPolicyDefault, Direction: policy.Ingress},
		perCPU, ebpf.UpdateAny))

	rec, err := json.Marshal(flow.Record{
		Time: time.Now(), Node: "n1", Verdict: "DENIED", DropReason: "policy_default_deny", Protocol: "TCP",
		Source:      flow.Peer{IP: "10.0.0.1", Port: 40000, Namespace: "shop", Pod: "client"},
		Destination: flow.Peer{IP: "10.0.0.2", Port: 80, Namespace: "shop", Pod: "web"},
	})
	must(err)
	must(os.WriteFile(filepath.Join(n.state, "flows.jsonl"), append(rec, '\n'), 0o600))
}

// htons stores a port in network byte order, as the datapath does.
func htons(p uint16) uint16 { return p<<8 | p>>8 }
