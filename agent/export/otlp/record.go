package otlp

import (
	"context"
	"maps"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/flow"
)

// EventName names flow log records.
const EventName = "zeta.flow"

// Severities of verdicts, as the OpenTelemetry log data model maps syslog's:
// a denial is a warning, an audit (would be denied) a notice.
var severities = map[string]log.Severity{
	flow.VerdictDenied: log.SeverityWarn,
	flow.VerdictAudit:  log.SeverityInfo2,
}

// logRecord maps r; ctx carries r's trace context, if it has one.
func logRecord(ctx context.Context, r *flow.Record) (context.Context, log.Record) {
	var rec log.Record
	rec.SetEventName(EventName)
	rec.SetTimestamp(r.Time)
	sev, ok := severities[r.Verdict]
	if !ok {
		sev = log.SeverityInfo
	}
	rec.SetSeverity(sev)
	rec.SetSeverityText(r.Verdict)
	rec.SetBody(attribute.StringValue(export.Summary(r)))
	rec.AddAttributes(attributes(r)...)
	if sc, ok := spanContext(r.TraceContext); ok {
		ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
	}
	return ctx, rec
}

// attributes are the semantic-convention attributes of the network and
// the local pod, then Zeta's own.
func attributes(r *flow.Record) []attribute.KeyValue {
	a := make([]attribute.KeyValue, 0, 32)
	switch r.Protocol {
	case "TCP", "UDP", "SCTP":
		a = append(a, semconv.NetworkTransportKey.String(strings.ToLower(r.Protocol)))
	}
	switch r.IPVersion {
	case 4:
		a = append(a, semconv.NetworkTypeIPv4)
	case 6:
		a = append(a, semconv.NetworkTypeIPv6)
	}
	a = append(a, semconv.SourceAddress(r.Source.IP))
	if r.Source.Port != 0 {
		a = append(a, semconv.SourcePort(int(r.Source.Port)))
	}
	a = append(a, semconv.DestinationAddress(r.Destination.IP))
	if r.Destination.Port != 0 {
		a = append(a, semconv.DestinationPort(int(r.Destination.Port)))
	}
	if ns, pod, ok := strings.Cut(r.Endpoint, "/"); ok {
		a = append(a, semconv.K8SNamespaceName(ns), semconv.K8SPodName(pod))
	}
	a = append(a,
		attribute.String("zeta.verdict", r.Verdict),
		attribute.String("zeta.direction", r.Direction),
		attribute.String("zeta.protocol", r.Protocol),
		attribute.Int64("zeta.ifindex", int64(r.Ifindex)),
		attribute.Int64("zeta.bytes", int64(r.Bytes)),
		attribute.Int64("zeta.packets", int64(max(r.Packets, 1))),
	)
	a = appendString(a, "zeta.drop_reason", r.DropReason)
	a = appendString(a, "zeta.policy", r.Policy)
	if r.RuleID != 0 {
		a = append(a, attribute.Int64("zeta.rule_id", int64(r.RuleID)))
	}
	a = appendString(a, "zeta.tcp_flags", r.TCPFlags)
	if r.ICMP != nil {
		a = append(a, attribute.Int("zeta.icmp.type", int(r.ICMP.Type)), attribute.Int("zeta.icmp.code", int(r.ICMP.Code)))
	}
	a = appendPeer(a, "zeta.source.", &r.Source)
	a = appendPeer(a, "zeta.destination.", &r.Destination)
	return appendTotals(a, r)
}

// appendTotals adds what an end record says of its connection: how it
// ended, when it started and what each side sent.
func appendTotals(a []attribute.KeyValue, r *flow.Record) []attribute.KeyValue {
	a = appendString(a, "zeta.type", r.Type)
	t := r.Totals
	if t == nil {
		return a
	}
	return append(a,
		attribute.String("zeta.end", t.End),
		attribute.Int64("zeta.started_unix_nano", t.Started.UnixNano()),
		attribute.Int64("zeta.totals.fwd_packets", export.Counter(t.FwdPackets)),
		attribute.Int64("zeta.totals.fwd_bytes", export.Counter(t.FwdBytes)),
		attribute.Int64("zeta.totals.rev_packets", export.Counter(t.RevPackets)),
		attribute.Int64("zeta.totals.rev_bytes", export.Counter(t.RevBytes)),
	)
}

func appendPeer(a []attribute.KeyValue, prefix string, p *flow.Peer) []attribute.KeyValue {
	a = append(a, attribute.Int64(prefix+"identity", int64(p.Identity)))
	a = appendString(a, prefix+"namespace", p.Namespace)
	a = appendString(a, prefix+"pod", p.Pod)
	a = appendString(a, prefix+"spiffe_id", p.SPIFFEID)
	if len(p.Labels) > 0 {
		kvs := make([]attribute.KeyValue, 0, len(p.Labels))
		for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
			kvs = append(kvs, attribute.String(k, p.Labels[k]))
		}
		a = append(a, attribute.Map(prefix+"labels", kvs...))
	}
	return a
}

func appendString(a []attribute.KeyValue, k, v string) []attribute.KeyValue {
	if v == "" {
		return a
	}
	return append(a, attribute.String(k, v))
}

// spanContext parses a W3C traceparent: 00-<trace id>-<span id>-<flags>.
func spanContext(tp string) (trace.SpanContext, bool) {
	parts := strings.Split(tp, "-")
	if len(parts) != 4 || parts[0] != "00" {
		return trace.SpanContext{}, false
	}
	tid, err := trace.TraceIDFromHex(parts[1])
	if err != nil {
		return trace.SpanContext{}, false
	}
	sid, err := trace.SpanIDFromHex(parts[2])
	if err != nil {
		return trace.SpanContext{}, false
	}
	var flags trace.TraceFlags
	if parts[3] == "01" {
		flags = trace.FlagsSampled
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true})
	return sc, sc.IsValid()
}
