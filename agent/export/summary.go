package export

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zeta-net/zeta/agent/flow"
)

// Summary is a one-line description of r, the human part of what
// exporters send: "DENIED TCP 10.0.0.1:40000 -> 10.0.0.2:80 (policy_default_deny)",
// or for a connection's end "ALLOWED TCP 10.0.0.1:40000 -> 10.0.0.2:80
// closed: sent 5 packets, 320 bytes; received 4 packets, 1200 bytes".
func Summary(r *flow.Record) string {
	var b strings.Builder
	b.WriteString(r.Verdict + " " + r.Protocol + " " + hostPort(&r.Source) + " -> " + hostPort(&r.Destination))
	if r.DropReason != "" {
		b.WriteString(" (" + r.DropReason + ")")
	}
	if t := r.Totals; t != nil {
		fmt.Fprintf(&b, " %s: sent %d packets, %d bytes; received %d packets, %d bytes", t.End, t.FwdPackets, t.FwdBytes, t.RevPackets, t.RevBytes)
	}
	return b.String()
}

func hostPort(p *flow.Peer) string {
	if p.Port == 0 {
		return p.IP
	}
	if ip, err := netip.ParseAddr(p.IP); err == nil {
		return netip.AddrPortFrom(ip, p.Port).String()
	}
	return p.IP + ":" + strconv.Itoa(int(p.Port))
}
