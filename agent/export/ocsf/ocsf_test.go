package ocsf

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
	"github.com/zeta-net/zeta/agent/flow"
)

var origin = export.Origin{Node: "node-a", Host: "host-a", Version: "v1.2.3"}

// The expected events, written out in full: this is the documented mapping.
var want = []string{`{
  "time": 1772600767123,
  "category_uid": 4, "category_name": "Network Activity",
  "class_uid": 4001, "class_name": "Network Activity",
  "activity_id": 5, "activity_name": "Refuse",
  "type_uid": 400105, "type_name": "Network Activity: Refuse",
  "severity_id": 3, "severity": "Medium",
  "action_id": 2, "action": "Denied",
  "disposition_id": 2, "disposition": "Blocked",
  "status_detail": "policy_deny",
  "message": "DENIED TCP 10.0.1.5:40000 -> 10.0.2.7:5432 (policy_deny)",
  "metadata": {"version": "1.3.0", "product": {"name": "Zeta", "vendor_name": "Zeta", "version": "v1.2.3"},
               "profiles": ["host", "security_control"]},
  "device": {"hostname": "host-a", "name": "node-a", "type_id": 1, "type": "Server"},
  "src_endpoint": {"ip": "10.0.1.5", "port": 40000, "name": "shop/frontend-1"},
  "dst_endpoint": {"ip": "10.0.2.7", "port": 5432, "name": "db/postgres-0"},
  "connection_info": {"protocol_num": 6, "protocol_name": "tcp", "protocol_ver_id": 4,
                      "protocol_ver": "Internet Protocol version 4", "direction_id": 1, "direction": "Inbound", "tcp_flags": 2},
  "traffic": {"bytes": 60, "packets": 1},
  "firewall_rule": {"name": "db/deny-shop", "uid": "7"},
  "unmapped": {"zeta": {
    "verdict": "DENIED", "drop_reason": "policy_deny", "direction": "ingress", "endpoint": "db/postgres-0",
    "ifindex": 12, "rule_id": 7,
    "source": {"identity": 256, "namespace": "shop", "pod": "frontend-1", "labels": {"app": "frontend"},
               "spiffe_id": "spiffe://cluster.local/ns/shop/sa/frontend"},
    "destination": {"identity": 257, "namespace": "db", "pod": "postgres-0", "labels": {"app": "postgres", "tier": "data"},
                    "spiffe_id": "spiffe://cluster.local/ns/db/sa/postgres"}}}
}`, `{
  "time": 1772600767124,
  "category_uid": 4, "category_name": "Network Activity",
  "class_uid": 4001, "class_name": "Network Activity",
  "activity_id": 1, "activity_name": "Open",
  "type_uid": 400101, "type_name": "Network Activity: Open",
  "severity_id": 1, "severity": "Informational",
  "action_id": 1, "action": "Allowed",
  "disposition_id": 1, "disposition": "Allowed",
  "message": "ALLOWED UDP [fd00::5]:53000 -> [2001:db8::53]:53",
  "metadata": {"version": "1.3.0", "product": {"name": "Zeta", "vendor_name": "Zeta", "version": "v1.2.3"},
               "profiles": ["host", "security_control"]},
  "device": {"hostname": "host-a", "name": "node-a", "type_id": 1, "type": "Server"},
  "src_endpoint": {"ip": "fd00::5", "port": 53000, "name": "shop/cart-2"},
  "dst_endpoint": {"ip": "2001:db8::53", "port": 53},
  "connection_info": {"protocol_num": 17, "protocol_name": "udp", "protocol_ver_id": 6,
                      "protocol_ver": "Internet Protocol version 6", "direction_id": 2, "direction": "Outbound"},
  "traffic": {"bytes": 80, "packets": 1},
  "unmapped": {"zeta": {
    "verdict": "ALLOWED", "direction": "egress", "endpoint": "shop/cart-2", "ifindex": 13,
    "trace_context": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "source": {"identity": 258, "namespace": "shop", "pod": "cart-2"},
    "destination": {"identity": 2}}}
}`, `{
  "time": 1772600767125,
  "category_uid": 4, "category_name": "Network Activity",
  "class_uid": 4001, "class_name": "Network Activity",
  "activity_id": 1, "activity_name": "Open",
  "type_uid": 400101, "type_name": "Network Activity: Open",
  "severity_id": 2, "severity": "Low",
  "action_id": 1, "action": "Allowed",
  "disposition_id": 15, "disposition": "Detected",
  "message": "AUDIT ICMP 10.0.1.9 -> 192.0.2.1 (policy_default_deny)",
  "metadata": {"version": "1.3.0", "product": {"name": "Zeta", "vendor_name": "Zeta", "version": "v1.2.3"},
               "profiles": ["host", "security_control"]},
  "device": {"hostname": "host-a", "name": "node-a", "type_id": 1, "type": "Server"},
  "src_endpoint": {"ip": "10.0.1.9"},
  "dst_endpoint": {"ip": "192.0.2.1"},
  "connection_info": {"protocol_num": 1, "protocol_name": "icmp", "protocol_ver_id": 4,
                      "protocol_ver": "Internet Protocol version 4", "direction_id": 2, "direction": "Outbound"},
  "traffic": {"bytes": 84, "packets": 1},
  "unmapped": {"zeta": {
    "verdict": "AUDIT", "drop_reason": "policy_default_deny", "direction": "egress", "ifindex": 14,
    "icmp": {"type": 8, "code": 0},
    "source": {"identity": 259},
    "destination": {"identity": 2}}}
}`}

func TestAppend(t *testing.T) {
	e := Encoder{Origin: origin}
	for i, r := range flowtest.Records() {
		b, err := e.Append(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		var got, exp any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(want[i]), &exp); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("record %d:\n got %s\nwant %s", i, b, want[i])
		}
	}
}

func TestOutcomes(t *testing.T) {
	for _, tc := range []struct {
		verdict, reason                         string
		activity, action, disposition, severity int
	}{
		{flow.VerdictAllowed, "", ActivityOpen, ActionAllowed, DispositionAllowed, 1},
		{flow.VerdictRedirected, "", ActivityOpen, ActionAllowed, DispositionOther, 1},
		{flow.VerdictAudit, "policy_deny", ActivityOpen, ActionAllowed, DispositionDetected, 2},
		{flow.VerdictDenied, "policy_default_deny", ActivityRefuse, ActionDenied, DispositionBlocked, 3},
		{flow.VerdictDenied, "truncated", ActivityTraffic, ActionDenied, DispositionDropped, 3},
	} {
		r := flowtest.Records()[0]
		r.Verdict, r.DropReason = tc.verdict, tc.reason
		ev := (&Encoder{}).Event(r)
		if ev.ActivityID != tc.activity || ev.ActionID != tc.action || ev.DispositionID != tc.disposition ||
			ev.SeverityID != tc.severity || ev.TypeUID != 400100+tc.activity || ev.ActivityName == "" || ev.Severity == "" {
			t.Errorf("%s/%s: %+v", tc.verdict, tc.reason, ev)
		}
	}
}
