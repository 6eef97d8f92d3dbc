package inspect

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/zeta-net/zeta/agent/flow"
)

// FlowVerdicts are the verdicts of flow records.
var FlowVerdicts = flow.Verdicts

// FlowFilter selects flow records; the zero FlowFilter selects all.
type FlowFilter = flow.Filter

// NewFlowFilter checks and builds a filter: verdict is one of FlowVerdicts
// in any case, namespace matches either end's namespace, pod
// (namespace/name) either end.
func NewFlowFilter(verdict, namespace, pod string) (FlowFilter, error) {
	f := FlowFilter{Verdict: verdict, Namespace: namespace, Pod: pod}
	if err := f.Normalize(); err != nil {
		return FlowFilter{}, err
	}
	return f, nil
}

// FlowLine shows a record on one line:
//
//	TIME NODE SRC -> DST PROTO VERDICT [reason] [policy]
//
// Each end is namespace/pod when known, else its address, with the port.
func FlowLine(r *flow.Record) string {
	var b strings.Builder
	// The hook that judged: a pod's egress on its own node, the peer's
	// ingress on the peer's node. One connection has a line for each.
	hook := "to-stack"
	if r.Direction == "ingress" {
		hook = "to-endpoint"
	}
	fmt.Fprintf(&b, "%s %s %-11s %s -> %s %s %s", r.Time.Local().Format(time.StampMilli), orDash(r.Node), hook,
		peerCell(r.Source), peerCell(r.Destination), flowProtocol(r), r.Verdict)
	if r.DropReason != "" {
		b.WriteString(" reason=" + r.DropReason)
	}
	if r.Policy != "" {
		b.WriteString(" policy=" + strconv.Quote(r.Policy))
	}
	if t := r.Totals; t != nil {
		fmt.Fprintf(&b, " %s sent=%d/%dB received=%d/%dB", t.End, t.FwdPackets, t.FwdBytes, t.RevPackets, t.RevBytes)
	}
	return b.String()
}

func peerCell(p flow.Peer) string {
	host := p.IP
	if p.Pod != "" {
		host = p.Namespace + "/" + p.Pod
	} else if ip, err := netip.ParseAddr(p.IP); err == nil && ip.Is6() && p.Port != 0 {
		host = "[" + p.IP + "]"
	}
	if p.Port == 0 {
		return host
	}
	return host + ":" + strconv.Itoa(int(p.Port))
}

// flowProtocol adds the TCP flags or the ICMP type and code.
func flowProtocol(r *flow.Record) string {
	switch {
	case r.TCPFlags != "":
		return r.Protocol + "[" + r.TCPFlags + "]"
	case r.ICMP != nil:
		return fmt.Sprintf("%s[%d/%d]", r.Protocol, r.ICMP.Type, r.ICMP.Code)
	}
	return r.Protocol
}
