package flow

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// checkJSON fails unless appendJSON writes r exactly as encoding/json does.
func checkJSON(t *testing.T, r *Record) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendJSON([]byte("prefix"), r)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "prefix"+string(want) {
		t.Errorf("appendJSON (jsonenc.go) must write what encoding/json does; it wrote\n%s\nencoding/json:\n%s", got[len("prefix"):], want)
	}
}

// fill sets every field that v holds, at any depth, to a value that is
// not its zero value, with strings that need escaping.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 25, 15, 4, 5, 123456789, time.FixedZone("", 3600))))
			return
		}
		for _, f := range v.Fields() {
			fill(f)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for _, k := range []string{"b", "a<b>", "c\u2028"} {
			v.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf("v&"+k))
		}
	case reflect.String:
		v.SetString("x\"y\\<&>\t\x01é\u2029")
	case reflect.Int, reflect.Int64:
		v.SetInt(-7)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(1) << (v.Type().Bits() - 1))
	default:
		panic("fill: add kind " + v.Kind().String())
	}
}

// TestAppendJSONEveryField sets every field of a record: a field added to
// Record or Peer without appendJSON knowing it fails here.
func TestAppendJSONEveryField(t *testing.T) {
	var r Record
	fill(reflect.ValueOf(&r).Elem())
	checkJSON(t, &r)
}

func TestAppendJSON(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)
	for name, r := range map[string]*Record{
		"zero": {},
		"typical": {
			Time: now, Node: "node-1", Verdict: VerdictAllowed, Direction: "ingress", IPVersion: 4, Protocol: "TCP",
			Source:      Peer{IP: "10.0.0.1", Port: 40000, Identity: 300, Namespace: "shop", Pod: "web", Labels: map[string]string{"app": "web", "tier": "front"}},
			Destination: Peer{IP: "10.0.0.2", Port: 80, Identity: 301},
			TCPFlags:    "SYN", Policy: "NetworkPolicy shop/allow", Endpoint: "shop/web", Ifindex: 5, Bytes: 60, Packets: 1, RuleID: 9,
		},
		"icmp":          {Time: now, Verdict: VerdictDenied, DropReason: "POLICY_DENIED", Protocol: "ICMPv6", IPVersion: 6, ICMP: &ICMP{Type: 128}},
		"empty labels":  {Source: Peer{Labels: map[string]string{}}},
		"invalid UTF-8": {Node: "a\xffb\xc3", Endpoint: "\u2028\u2029\x7f"},
	} {
		t.Run(name, func(t *testing.T) { checkJSON(t, r) })
	}
}

// TestAppendJSONBadTime: a time RFC 3339 cannot write is an error, and
// leaves the buffer as it was.
func TestAppendJSONBadTime(t *testing.T) {
	b, err := appendJSON([]byte("x"), &Record{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err == nil || string(b) != "x" {
		t.Errorf("appendJSON = %q, %v; want x and an error", b, err)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("node-1", "app", "web", "spiffe://cluster.local/ns/shop/sa/web", int64(0))
	f.Add("<&>", "\u2028", "\xff", "\"\\\n", int64(-1))
	f.Fuzz(func(t *testing.T, node, key, value, id string, nanos int64) {
		r := &Record{
			Time: time.Unix(0, nanos).UTC(), Node: node, Policy: key + value,
			Source: Peer{Labels: map[string]string{key: value, value: key}, SPIFFEID: id},
		}
		checkJSON(t, r)
	})
}
