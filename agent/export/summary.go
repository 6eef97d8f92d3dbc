package export

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/zeta-net/zeta/agent/flow"
)

// Summary is a one-line description of r, the human part of what
// exporters send: "DENIED TCP 10.0.0.1:40000 -> 10.0.0.2:80 (policy_default_deny)".
func Summary(r *flow.Record) string {
	var b strings.Builder
	b.WriteString(r.Verdict + " " + r.Protocol + " " + hostPort(&r.Source) + " -> " + hostPort(&r.Destination))
	if r.DropReason != "" {
		b.WriteString(" (" + r.DropReason + ")")
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
