package suite

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"

	"github.com/zeta-net/zeta/tests/lab/labns"
)

// chain holds the rules for traffic to the server.
const chain = "ZETA-BENCH"

// firewallRules returns s's rules as iptables-restore input: FORWARD
// jumps to chain for traffic to the server; there, ESTABLISHED,RELATED
// first if s says so, one ACCEPT per peer and port, the client's ACCEPTs
// last, and DROP. A new connection from the client walks every rule.
func firewallRules(s Setup, server, client netip.Addr) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*filter\n:%s - [0:0]\n", chain)
	fmt.Fprintf(&b, "-A FORWARD -d %s/32 -j %s\n", server, chain)
	if s.Firewall == Established {
		fmt.Fprintf(&b, "-A %s -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n", chain)
	}
	for i := range s.Peers {
		for p := range uint16(PeerPorts) {
			fmt.Fprintf(&b, "-A %s -s %s/32 -p tcp -m tcp --dport %d -j ACCEPT\n", chain, peerAddr(i), firstPeerPort+p)
		}
	}
	for _, port := range []uint16{iperfPort, loadPort} {
		fmt.Fprintf(&b, "-A %s -s %s/32 -p tcp -m tcp --dport %d -j ACCEPT\n", chain, client, port)
	}
	fmt.Fprintf(&b, "-A %s -j DROP\nCOMMIT\n", chain)
	return b.Bytes()
}

// loadFirewall loads rules with one iptables-restore inside netns and
// returns how many rules chain then holds.
func loadFirewall(ctx context.Context, netns string, rules []byte) (int, error) {
	restore := nsenter(ctx, netns, "iptables-restore")
	restore.Stdin = bytes.NewReader(rules)
	if out, err := restore.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("load firewall in %s: %w: %s", netns, err, out)
	}
	list := nsenter(ctx, netns, "iptables", "-S", chain)
	out, err := list.Output()
	if err != nil {
		return 0, fmt.Errorf("list firewall in %s: %w", netns, err)
	}
	n := 0
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, "-A ") {
			n++
		}
	}
	return n, nil
}

// nsenter returns a command running name inside netns.
func nsenter(ctx context.Context, netns, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + labns.Path(netns), name}, args...)...)
}
