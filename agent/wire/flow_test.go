package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/zeta-net/zeta/agent/flow"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// fullRecord has every field set.
func fullRecord() *flow.Record {
	return &flow.Record{
		Time: time.Date(2026, 2, 3, 4, 5, 6, 789, time.UTC), Node: "node-1", Verdict: "DENIED", DropReason: "policy_deny",
		Direction: "ingress", IPVersion: 6, Protocol: "ICMPv6", TCPFlags: "SYN", ICMP: &flow.ICMP{Type: 128, Code: 3},
		Source: flow.Peer{
			IP: "fd00::1", Port: 40000, Identity: 300, Namespace: "shop", Pod: "client",
			Labels: map[string]string{"app": "client"}, SPIFFEID: "spiffe://cluster.local/ns/shop/sa/client",
		},
		Destination: flow.Peer{
			IP: "fd00::2", Port: 80, Identity: 301, Namespace: "shop", Pod: "web",
			Labels: map[string]string{"app": "web", "tier": "front"}, SPIFFEID: "spiffe://cluster.local/ns/shop/sa/web",
		},
		Policy: "NetworkPolicy shop/deny ingress[0]", Endpoint: "shop/web", Ifindex: 7, Bytes: 1500, Packets: 1,
		RuleID: 0xdeadbeef, TraceContext: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		Type: flow.TypeEnd, Totals: &flow.Totals{
			FwdPackets: 1 << 40, FwdBytes: 1<<63 + 1, RevPackets: 3, RevBytes: 4,
			Started: time.Date(2026, 2, 3, 4, 5, 1, 5, time.UTC), End: flow.EndClosed,
		},
		L7: &flow.L7{Method: "GET", Host: "web.shop", Path: "/api", Status: 403, Reason: "insufficient_scope",
			Issuer: "https://issuer.example", Subject: "alice"},
	}
}

// TestFlowFieldParity: every JSON field of flow.Record, at every level,
// is a field of the same name in zeta.observer.v1.Flow.
func TestFlowFieldParity(t *testing.T) {
	checkFields(t, "Flow", reflect.TypeFor[flow.Record](), (&pb.Flow{}).ProtoReflect().Descriptor())
}

func checkFields(t *testing.T, path string, gt reflect.Type, md protoreflect.MessageDescriptor) {
	t.Helper()
	for f := range gt.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			t.Errorf("%s.%s has no JSON name", path, f.Name)
			continue
		}
		pf := md.Fields().ByName(protoreflect.Name(name))
		if pf == nil {
			t.Errorf("%s: JSON field %q has no proto field of that name", path, name)
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			if pf.Message() == nil {
				t.Errorf("%s.%s is a struct but proto field %s is not a message", path, f.Name, name)
				continue
			}
			checkFields(t, path+"."+name, ft, pf.Message())
		}
	}
}

// TestFlowJSONParity: the protojson encoding of a converted record, with
// proto field names, decodes into the same record, and the record's own
// JSON is a valid protojson Flow equal to the converted one.
func TestFlowJSONParity(t *testing.T) {
	r := fullRecord()
	data, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(FlowToProto(r))
	if err != nil {
		t.Fatal(err)
	}
	var back flow.Record
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("decode protojson %s: %v", data, err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("protojson round trip:\n got %+v\nwant %+v", back, *r)
	}

	own, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var f pb.Flow
	if err := protojson.Unmarshal(own, &f); err != nil {
		t.Fatalf("record JSON is not a protojson Flow: %v\n%s", err, own)
	}
	if !proto.Equal(&f, FlowToProto(r)) {
		t.Errorf("record JSON as Flow:\n got %v\nwant %v", &f, FlowToProto(r))
	}
}

func TestFlowRoundTrip(t *testing.T) {
	for _, r := range []*flow.Record{fullRecord(), {Time: time.Unix(0, 0).UTC()}} {
		if got := FlowFromProto(FlowToProto(r)); !reflect.DeepEqual(got, r) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
	}
	f := flow.Filter{FromPod: "a/b", ToPod: "c/d", Pod: "e/f", Namespace: "g", Identity: 9, Verdict: "AUDIT", Protocol: "UDP", Port: 53}
	if got := FilterFromProto(FilterToProto(&f)); got != f {
		t.Errorf("filter round trip: %+v, want %+v", got, f)
	}
}
