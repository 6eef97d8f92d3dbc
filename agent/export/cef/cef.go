package cef

import (
	"strconv"
	"strings"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/flow"
)

// Vendor and Product fill the CEF header's device fields.
const (
	Vendor  = "Zeta"
	Product = "zeta-agent"
)

// Encoder appends CEF events; the zero value has no version.
type Encoder struct {
	Origin export.Origin
}

// verdict is how a verdict shows in the header and act.
type verdict struct {
	name     string // header Name
	severity int    // 0-10
	act      string
}

var verdicts = map[string]verdict{
	flow.VerdictAllowed:    {"Flow allowed", 1, "allowed"},
	flow.VerdictRedirected: {"Flow redirected", 1, "redirected"},
	flow.VerdictAudit:      {"Flow would be denied (audit)", 3, "audit"},
	flow.VerdictDenied:     {"Flow denied", 5, "denied"},
}

// Append appends r as one CEF event (no line terminator) to dst.
func (e *Encoder) Append(dst []byte, r *flow.Record) []byte {
	v, ok := verdicts[r.Verdict]
	if !ok {
		v = verdict{name: "Flow " + strings.ToLower(r.Verdict), severity: 3, act: strings.ToLower(r.Verdict)}
	}
	if r.Totals != nil {
		v.name, v.severity = "Connection "+r.Totals.End, 1
	}
	dst = append(dst, "CEF:0|"...)
	for _, f := range []string{Vendor, Product, e.Origin.Version, r.Verdict, v.name} {
		dst = appendHeader(dst, f)
		dst = append(dst, '|')
	}
	dst = strconv.AppendInt(dst, int64(v.severity), 10)
	dst = append(dst, '|')

	x := ext{b: dst}
	x.int("rt", r.Time.UnixMilli())
	x.str("dvchost", r.Node)
	x.str("act", v.act)
	x.str("reason", r.DropReason)
	x.str("proto", r.Protocol)
	x.str("src", r.Source.IP)
	x.port("spt", r.Source.Port)
	x.str("dst", r.Destination.IP)
	x.port("dpt", r.Destination.Port)
	switch r.Direction {
	case "ingress":
		x.int("deviceDirection", 0)
	case "egress":
		x.int("deviceDirection", 1)
	}
	if t := r.Totals; t != nil {
		x.int("in", export.Counter(t.FwdBytes))
	} else {
		x.int("in", int64(r.Bytes))
	}
	x.labeled("cs1", "policy", r.Policy)
	x.labeled("cs2", "sourceWorkload", workload(&r.Source))
	x.labeled("cs3", "destinationWorkload", workload(&r.Destination))
	x.labeled("cs4", "sourceSpiffeId", r.Source.SPIFFEID)
	x.labeled("cs5", "destinationSpiffeId", r.Destination.SPIFFEID)
	x.labeled("cs6", "endpoint", r.Endpoint)
	x.labeledInt("cn1", "sourceIdentity", int64(r.Source.Identity))
	x.labeledInt("cn2", "destinationIdentity", int64(r.Destination.Identity))
	if r.RuleID != 0 {
		x.labeledInt("cn3", "ruleId", int64(r.RuleID))
	}
	x.labeled("flexString1", "tcpFlags", r.TCPFlags)
	if r.ICMP != nil {
		x.labeledInt("flexNumber1", "icmpType", int64(r.ICMP.Type))
		x.labeledInt("flexNumber2", "icmpCode", int64(r.ICMP.Code))
	}
	if t := r.Totals; t != nil {
		// in and out are bytes from source to destination and back.
		x.int("out", export.Counter(t.RevBytes))
		x.int("start", t.Started.UnixMilli())
		x.str("outcome", t.End)
		x.labeledInt("flexNumber1", "fwdPackets", export.Counter(t.FwdPackets))
		x.labeledInt("flexNumber2", "revPackets", export.Counter(t.RevPackets))
	}
	return x.b
}

func workload(p *flow.Peer) string {
	if p.Pod == "" {
		return ""
	}
	return p.Namespace + "/" + p.Pod
}

// ext builds the extension: space-separated key=value pairs.
type ext struct {
	b    []byte
	more bool // a pair was written
}

func (x *ext) key(k string) {
	if x.more {
		x.b = append(x.b, ' ')
	}
	x.more = true
	x.b = append(x.b, k...)
	x.b = append(x.b, '=')
}

func (x *ext) str(k, v string) {
	if v == "" {
		return
	}
	x.key(k)
	x.b = appendValue(x.b, v)
}

func (x *ext) int(k string, v int64) {
	x.key(k)
	x.b = strconv.AppendInt(x.b, v, 10)
}

func (x *ext) port(k string, p uint16) {
	if p != 0 {
		x.int(k, int64(p))
	}
}

func (x *ext) labeled(k, label, v string) {
	if v == "" {
		return
	}
	x.str(k, v)
	x.str(k+"Label", label)
}

func (x *ext) labeledInt(k, label string, v int64) {
	x.int(k, v)
	x.str(k+"Label", label)
}

// appendHeader escapes a header field: backslash and pipe; line breaks
// become spaces.
func appendHeader(dst []byte, s string) []byte {
	for i := range len(s) {
		switch c := s[i]; c {
		case '\\', '|':
			dst = append(dst, '\\', c)
		case '\r', '\n':
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendValue escapes an extension value: backslash, equals sign and
// line breaks.
func appendValue(dst []byte, s string) []byte {
	for i := range len(s) {
		switch c := s[i]; c {
		case '\\', '=':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
