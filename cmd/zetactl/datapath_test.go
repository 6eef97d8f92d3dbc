package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/agent/inspect"
)

func TestPinnedDatapath(t *testing.T) {
	n, ns := newTestNode(t)

	t.Run("endpoint list", func(t *testing.T) {
		out := n.mustZetactl(t, "endpoint", "list")
		contains(t, "endpoint list", out, "IFINDEX", "enforce-ingress,audit-egress", "shop", "app=web")
		var eps inspect.EndpointList
		if err := json.Unmarshal([]byte(n.mustZetactl(t, "endpoint", "list", "-o", "json")), &eps); err != nil {
			t.Fatal(err)
		}
		if len(eps) != 1 || eps[0].Ifindex != n.ifindex || eps[0].ID != n.ifindex || eps[0].Identity.ID != uint32(n.web) {
			t.Errorf("endpoint list -o json: %+v", eps)
		}
		contains(t, "endpoint list -o yaml", n.mustZetactl(t, "endpoint", "list", "-o", "yaml"), "- flags:\n  - enforce-ingress\n")
	})

	t.Run("identity list", func(t *testing.T) {
		out := n.mustZetactl(t, "identity", "list")
		contains(t, "identity list", out, "reserved:world", "reserved:host", "app=client")
		row := regexp.MustCompile(`(?m)^` + strconv.Itoa(int(n.web)) + `\s.*\bshop\s+app=web\b.*\s2$`)
		if !row.MatchString(out) {
			t.Errorf("identity list: no row for %d with its 2 prefixes:\n%s", n.web, out)
		}
	})

	t.Run("ipcache list", func(t *testing.T) {
		out := n.mustZetactl(t, "ipcache", "list")
		contains(t, "ipcache list", out, "10.0.0.1/32", "10.0.0.2/32", "fd00::2/128", "198.51.100.0/24", "reserved:world")
	})

	t.Run("policy get", func(t *testing.T) {
		out := n.mustZetactl(t, "policy", "get", strconv.Itoa(int(n.ifindex)))
		contains(t, "policy get", out, "enforce-ingress,audit-egress", "80-81", "1234", "app=client", "reserved:host", "deny")
		var pol inspect.EndpointPolicy
		if err := json.Unmarshal([]byte(n.mustZetactl(t, "policy", "get", strconv.Itoa(int(n.ifindex)), "-o", "json")), &pol); err != nil {
			t.Fatal(err)
		}
		want := []string{"egress reserved:world UDP 53-53 deny 99", "ingress reserved:host any - allow 7", "ingress client TCP 80-81 allow 1234"}
		var got []string
		for _, e := range pol.Entries {
			ports := "-"
			if e.Ports != nil {
				ports = fmt.Sprintf("%d-%d", e.Ports.Low, e.Ports.High)
			}
			peer := e.Peer.Name
			if e.Peer.Labels != nil {
				peer = e.Peer.Labels["app"]
			}
			got = append(got, fmt.Sprintf("%s %s %s %s %s %d", e.Direction, peer, e.Protocol, ports, e.Verdict, e.Rule))
		}
		if !slices.Equal(got, want) {
			t.Errorf("policy get -o json entries:\n got %q\nwant %q", got, want)
		}

		code, _, stderr := n.zetactl(t, "policy", "get", "99999")
		if code != exitError || !strings.Contains(stderr, "unknown endpoint 99999") {
			t.Errorf("policy get on an unknown endpoint: exit %d, %q", code, stderr)
		}
	})

	t.Run("ct list", func(t *testing.T) {
		out := n.mustZetactl(t, "ct", "list", "--endpoint", strconv.Itoa(int(n.ifindex)), "--protocol", "tcp", "--port", "80")
		contains(t, "ct list", out, "10.0.0.1:40000  ->  10.0.0.2:80", "egress", "SYN / SYN,ACK", "3 / 2")
		if !regexp.MustCompile(`\b(29|30)s\b`).MatchString(out) {
			t.Errorf("ct list: no expiry in 30s:\n%s", out)
		}
		if out := n.mustZetactl(t, "ct", "list", "--protocol", "udp"); strings.Contains(out, "10.0.0.1") {
			t.Errorf("ct list --protocol udp shows the TCP connection:\n%s", out)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		out := n.mustZetactl(t, "metrics")
		if !regexp.MustCompile(`(?m)^` + strconv.Itoa(int(n.ifindex)) + `\s+ingress\s+deny\s+policy_default_deny\s+` + strconv.Itoa(ebpf.MustPossibleCPU()*2) + `\s`).MatchString(out) {
			t.Errorf("metrics: no summed counter:\n%s", out)
		}
	})

	t.Run("status", func(t *testing.T) {
		out := n.mustZetactl(t, "status")
		contains(t, "status", out, "agent not running", "zeta_from_pod", "zeta_to_pod", "(not in this netns)", "RingBuf")
		if !regexp.MustCompile(`(?m)^zeta_endpoints\s+Hash\s+1\s+65536\s+<0.1%$`).MatchString(out) {
			t.Errorf("status: no fill of zeta_endpoints:\n%s", out)
		}
		var st inspect.Status
		if err := json.Unmarshal([]byte(n.mustZetactl(t, "status", "-o", "json")), &st); err != nil {
			t.Fatal(err)
		}
		if st.Agent.Running {
			t.Errorf("status: the agent runs: %+v", st.Agent)
		}
		checkStatus(t, &st, n, "")
		// Inside the interface's namespace it has a name.
		inNetns(t, ns, func() error {
			code, stdout, stderr := n.zetactl(t, "status", "-o", "json")
			if code != exitOK {
				return fmt.Errorf("status in the netns: exit %d: %s", code, stderr)
			}
			var st inspect.Status
			if err := json.Unmarshal([]byte(stdout), &st); err != nil {
				return err
			}
			checkStatus(t, &st, n, "zt-web")
			return nil
		})
	})
}

func checkStatus(t *testing.T, st *inspect.Status, n *testNode, iface string) {
	t.Helper()
	if len(st.Errors) > 0 || st.FlowEvents == nil || st.Kernel == "" {
		t.Errorf("status: %+v", st)
	}
	var hooks []string
	for _, l := range st.Links {
		if l.Ifindex != n.ifindex || l.Interface != iface || l.LinkID == 0 || l.ProgramID == 0 {
			t.Errorf("status link: %+v, want ifindex %d, interface %q", l, n.ifindex, iface)
		}
		hooks = append(hooks, l.Hook+" "+l.Program)
	}
	slices.Sort(hooks)
	if want := []string{"egress zeta_to_pod", "ingress zeta_from_pod"}; !slices.Equal(hooks, want) {
		t.Errorf("status links: %q, want %q", hooks, want)
	}
	fills := map[string]string{}
	for _, m := range st.Maps {
		if m.Entries != nil {
			fills[m.Name] = fmt.Sprintf("%d/%d", *m.Entries, m.MaxEntries)
		}
	}
	for name, want := range map[string]string{"zeta_endpoints": "1/65536", "zeta_ipcache4": "3/", "zeta_policy": "4/", "zeta_ct": "1/"} {
		if !strings.HasPrefix(fills[name], want) {
			t.Errorf("status: %s holds %q, want %q", name, fills[name], want)
		}
	}
}
