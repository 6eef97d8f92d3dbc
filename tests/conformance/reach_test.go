package conformance

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/agent/manifest"
)

func TestReach(t *testing.T) {
	r := All().Deny("*", "x/*").Allow("y/*", "x/a").Deny("y/b", "*")
	for _, tc := range []struct {
		from, to string
		want     bool
	}{
		{"x/a", "x/a", true}, // itself
		{"x/b", "x/a", false},
		{"y/a", "x/a", true},
		{"y/a", "x/b", false},
		{"y/b", "x/a", false}, // the last rule wins
		{"y/b", "y/b", true},
		{"z/c", "y/a", true},
	} {
		if got := r.Allowed(tc.from, tc.to); got != tc.want {
			t.Errorf("%s -> %s: %t, want %t", tc.from, tc.to, got, tc.want)
		}
	}
	// Deny and Allow do not share the backing array of r.
	base := All().Deny("*", "x/a")
	a, b := base.Allow("y/*", "x/a"), base.Allow("z/*", "x/a")
	if a.Allowed("z/a", "x/a") || !b.Allowed("z/a", "x/a") {
		t.Error("derived reaches share rules")
	}

	pods := []string{"x/a", "x/b"}
	if diffs, _ := r.Compare(pods, [][]bool{{true, false}, {false, true}}); len(diffs) != 0 {
		t.Errorf("agreeing matrix: %v", diffs)
	}
	diffs, grid := r.Compare(pods, [][]bool{{true, true}, {false, true}})
	if len(diffs) != 1 || diffs[0] != "x/a -> x/b: got true, want false" || !strings.Contains(grid, "✓≠✗") {
		t.Errorf("differing matrix: %v\n%s", diffs, grid)
	}
}

func TestFiles(t *testing.T) {
	addrs := func(pod string, ipv6 bool) (netip.Addr, bool) {
		if pod != "y/b" {
			return netip.Addr{}, false
		}
		if ipv6 {
			return netip.MustParseAddr("fd00::5"), true
		}
		return netip.MustParseAddr("10.1.2.3"), true
	}
	s := Step{
		Name:            "t",
		Policies:        []string{np("x", "p", `{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "{{cidr4 "y/b" 16}}", except: ["{{ip4 "y/b"}}/32"]}}, {ipBlock: {cidr: "{{ip6 "y/b"}}/128"}}]}]}`)},
		PodLabels:       map[string]map[string]string{"y/b": {"role": "client"}},
		NamespaceLabels: map[string]map[string]string{"y": {"team": "blue"}},
	}
	files, err := Files(s, addrs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Pods) != 9 || len(set.Namespaces) != 3 || len(set.NetworkPolicies) != 1 {
		t.Fatalf("%d pods, %d namespaces, %d policies", len(set.Pods), len(set.Namespaces), len(set.NetworkPolicies))
	}
	if l := set.Pods["y/b"].Labels; len(l) != 1 || l["role"] != "client" {
		t.Errorf("y/b labels %v", l)
	}
	if l := set.Pods["z/c"].Labels; l["pod"] != "c" {
		t.Errorf("z/c labels %v", l)
	}
	if l := set.Namespaces["y"].Labels; l["team"] != "blue" || l["ns"] != "" {
		t.Errorf("namespace y labels %v", l)
	}
	if ports := set.Pods["x/a"].Spec.Containers[0].Ports; len(ports) != 4 || ports[3].Name != "serve-81-udp" {
		t.Errorf("ports %+v", ports)
	}
	from := set.NetworkPolicies["x/p"].Spec.Ingress[0].From
	if from[0].IPBlock.CIDR != "10.1.0.0/16" || from[0].IPBlock.Except[0] != "10.1.2.3/32" || from[1].IPBlock.CIDR != "fd00::5/128" {
		t.Errorf("rendered peers %+v %+v", from[0].IPBlock, from[1].IPBlock)
	}

	if _, err := Files(Step{Policies: []string{`{{ip4 "x/a"}}`}}, addrs); err == nil {
		t.Error("rendered the address of a pod addrs does not know")
	}
	if _, err := Cluster(Step{PodLabels: map[string]map[string]string{"w/a": {}}}); err == nil {
		t.Error("relabelled a pod the suite does not have")
	}
}

// TestCases checks the cases themselves: unique names, steps that expect
// something, policies that render and load.
func TestCases(t *testing.T) {
	addrs := func(string, bool) (netip.Addr, bool) { return netip.MustParseAddr("10.0.0.1"), true }
	names := map[string]bool{}
	ci := 0
	for _, c := range Cases() {
		if names[c.Name] {
			t.Errorf("two cases named %q", c.Name)
		}
		names[c.Name] = true
		if c.CI {
			ci++
		}
		for _, s := range c.Steps {
			if len(s.Expect) == 0 {
				t.Errorf("%s, step %q expects nothing", c.Name, s.Name)
			}
			files, err := Files(s, addrs)
			if err != nil {
				t.Errorf("%s: %v", c.Name, err)
				continue
			}
			dir := t.TempDir()
			if err := WriteFiles(dir, files); err != nil {
				t.Fatal(err)
			}
			if set, err := manifest.LoadDir(dir); err != nil || len(set.NetworkPolicies) != len(s.Policies) {
				t.Errorf("%s, step %q: %v", c.Name, s.Name, err)
			}
		}
	}
	t.Logf("%d cases, %d in the live CI subset", len(names), ci)
}
