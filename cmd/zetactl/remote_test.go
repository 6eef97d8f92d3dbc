package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/apiserver"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/tests/pkitest"
	"github.com/zeta-net/zeta/tests/proctest"
)

const (
	agentSPIFFEID   = "spiffe://zeta.test/agent/node-1"
	zetactlSPIFFEID = "spiffe://zeta.test/ops/zetactl"
)

// TestRemoteAPI serves an agent's API on TCP with mutual TLS and runs
// zetactl against it with --api-address: with an allowed SVID from the
// agent's CA it gets the agent's answers (not this node's pins); with
// any other certificate, or none, it fails with exit status 1 or 2 and
// says why, never falling back to the pins.
func TestRemoteAPI(t *testing.T) {
	n, _ := newTestNode(t)
	dir := t.TempDir()
	authority := pkitest.NewAuthority(t, dir, "zeta test CA")
	agentCert, agentKey := authority.SVID(t, "agent", agentSPIFFEID)
	clientCert, clientKey := authority.SVID(t, "zetactl", zetactlSPIFFEID)
	otherCert, otherKey := authority.SVID(t, "web", "spiffe://zeta.test/ns/shop/sa/web")
	strangerDir := t.TempDir()
	stranger := pkitest.NewAuthority(t, strangerDir, "another CA")
	strangerCert, strangerKey := stranger.SVID(t, "zetactl", zetactlSPIFFEID)

	addr := "127.0.0.1:" + strconv.Itoa(proctest.FreePort(t, "tcp"))
	hub := serveAPIWith(t, n.root, n.state, &flow.Pipeline{Counters: n.dp.Objects.Counters}, map[uint32]string{n.ifindex: "shop/web"},
		apiserver.Config{Address: addr, TLSCert: agentCert, TLSKey: agentKey, TLSCA: authority.CA, AllowedSPIFFEIDs: []string{zetactlSPIFFEID}})
	hub.Publish(&flow.Record{
		Time: time.Now(), Node: "n1", Verdict: flow.VerdictAllowed, Direction: "ingress", Protocol: "TCP",
		Source:      flow.Peer{IP: "10.0.0.1", Port: 40000, Namespace: "shop", Pod: "client"},
		Destination: flow.Peer{IP: "10.0.0.2", Port: 80, Namespace: "shop", Pod: "web"},
	})

	// This node's pins and state are elsewhere: whatever answers comes
	// from the agent.
	remote := func(cert, key, ca string, extra ...string) []string {
		return append([]string{"--bpffs-root", t.TempDir(), "--state-dir", t.TempDir(),
			"--api-address", addr, "--api-tls-cert", cert, "--api-tls-key", key, "--api-tls-ca", ca}, extra...)
	}

	t.Run("allowed", func(t *testing.T) {
		code, stdout, stderr := zetactl(t, remote(clientCert, clientKey, authority.CA, "endpoint", "list", "-o", "json")...)
		var eps inspect.EndpointList
		if code != exitOK || json.Unmarshal([]byte(stdout), &eps) != nil || len(eps) != 1 || eps[0].Pod != "shop/web" {
			t.Fatalf("endpoint list: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr = zetactl(t, remote(clientCert, clientKey, authority.CA, "policy", "get", strconv.Itoa(int(n.ifindex)), "-o", "json", "--api-spiffe-id", agentSPIFFEID)...)
		var pol inspect.EndpointPolicy
		if code != exitOK || json.Unmarshal([]byte(stdout), &pol) != nil || pol.Endpoint.Pod != "shop/web" || len(pol.Entries) == 0 {
			t.Errorf("policy get: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr = zetactl(t, remote(clientCert, clientKey, authority.CA, "flows")...)
		if code != exitOK || !strings.Contains(stdout, "shop/client") {
			t.Errorf("flows: exit %d\n%s%s", code, stdout, stderr)
		}
	})

	for _, tc := range []struct {
		name          string
		cert, key, ca string
		extra         []string
		code          int
		stderr        string
	}{
		{"ID not allowed", otherCert, otherKey, authority.CA, nil, exitError,
			"zetactl: mutual TLS with the agent failed at " + addr + ": the agent refused this client: remote error: tls:"},
		{"client from another CA", strangerCert, strangerKey, authority.CA, nil, exitError,
			"zetactl: mutual TLS with the agent failed at " + addr + ": the agent refused this client: remote error: tls:"},
		{"client trusts another CA", clientCert, clientKey, stranger.CA, nil, exitError,
			"zetactl: mutual TLS with the agent failed at " + addr + ": "},
		{"agent is not who zetactl expects", clientCert, clientKey, authority.CA, []string{"--api-spiffe-id", "spiffe://zeta.test/agent/node-2"}, exitError,
			`unexpected ID "spiffe://zeta.test/agent/node-1"`},
		{"no client certificate", "", "", authority.CA, nil, exitUsage,
			"zetactl: --api-address needs --api-tls-cert, --api-tls-key and --api-tls-ca"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := remote(tc.cert, tc.key, tc.ca, append(tc.extra, "endpoint", "list")...)
			code, stdout, stderr := zetactl(t, args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) || stdout != "" {
				t.Errorf("exit %d, want %d; stderr %q, want it to contain %q; stdout %q", code, tc.code, stderr, tc.stderr, stdout)
			}
		})
	}

	t.Run("nothing listens", func(t *testing.T) {
		args := remote(clientCert, clientKey, authority.CA, "endpoint", "list")
		dead := "127.0.0.1:" + strconv.Itoa(proctest.FreePort(t, "tcp"))
		args[5] = dead
		code, _, stderr := zetactl(t, args...)
		if code != exitError || !strings.Contains(stderr, "zetactl: agent not running: nothing listens on "+dead) {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	t.Run("pins only", func(t *testing.T) {
		code, _, stderr := zetactl(t, remote(clientCert, clientKey, authority.CA, "ipcache", "list")...)
		if code != exitUsage || !strings.Contains(stderr, "cannot ask an agent over --api-address") {
			t.Errorf("ipcache list: exit %d: %s", code, stderr)
		}
	})
	t.Run("TLS flags without an address", func(t *testing.T) {
		code, _, stderr := zetactl(t, "--api-tls-cert", clientCert, "status")
		if code != exitUsage || !strings.Contains(stderr, "need --api-address") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}
