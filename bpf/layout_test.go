package bpf_test

import (
	"reflect"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
)

// TestLayout checks every Go twin of a datapath struct against the C
// struct's BTF: same size, same number of fields, same offsets and sizes.
func TestLayout(t *testing.T) {
	spec, err := bpf.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c       string
		goValue any
	}{
		{"endpoint_info", endpointmap.Info{}},
		{"zeta_config", eventmap.Config{}},
		{"rate_state", eventmap.RateState{}},
		{"flow_event", eventmap.Event{}},
		{"ipcache_key4", ipcache.Key4{}},
		{"ipcache_key6", ipcache.Key6{}},
		{"ipcache_value", ipcache.Value{}},
		{"policy_key", policymap.Key{}},
		{"policy_value", policymap.Value{}},
		{"tuple", ctmap.Key{}},
		{"ct_entry", ctmap.Entry{}},
		{"frag_key", ctmap.FragKey{}},
		{"frag_ports", ctmap.FragPorts{}},
		{"metrics_key", metricsmap.Key{}},
		{"metrics_value", metricsmap.Value{}},
		{"intercept_key", interceptmap.Key{}},
		{"intercept_value", interceptmap.Value{}},
	} {
		t.Run(tc.c, func(t *testing.T) {
			var s *btf.Struct
			if err := spec.Types.TypeByName(tc.c, &s); err != nil {
				t.Fatalf("struct %s not in BTF: %v", tc.c, err)
			}
			gt := reflect.TypeOf(tc.goValue)
			if uint32(gt.Size()) != s.Size {
				t.Fatalf("size: Go %s is %d bytes, C %s is %d", gt, gt.Size(), tc.c, s.Size)
			}
			if gt.NumField() != len(s.Members) {
				t.Fatalf("fields: Go %s has %d, C %s has %d", gt, gt.NumField(), tc.c, len(s.Members))
			}
			for i, m := range s.Members {
				f := gt.Field(i)
				size, err := btf.Sizeof(m.Type)
				if err != nil {
					t.Fatal(err)
				}
				if uint32(f.Offset) != m.Offset.Bytes() || int(f.Type.Size()) != size {
					t.Errorf("field %d: Go %s at %d (%d bytes), C %s at %d (%d bytes)",
						i, f.Name, f.Offset, f.Type.Size(), m.Name, m.Offset.Bytes(), size)
				}
			}
		})
	}
}

// TestMapTypes checks that each map's key and value are the structs the
// Go twins mirror, so TestLayout covers what the maps really hold.
func TestMapTypes(t *testing.T) {
	spec, err := bpf.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]string{
		"zeta_endpoints":  {"", "endpoint_info"},
		"zeta_config":     {"", "zeta_config"},
		"zeta_event_rate": {"", "rate_state"},
		"zeta_ipcache4":   {"ipcache_key4", "ipcache_value"},
		"zeta_ipcache6":   {"ipcache_key6", "ipcache_value"},
		"zeta_policy":     {"policy_key", "policy_value"},
		"zeta_ct":         {"tuple", "ct_entry"},
		"zeta_frags":      {"frag_key", "frag_ports"},
		"zeta_metrics":    {"metrics_key", "metrics_value"},
		"zeta_intercept":  {"intercept_key", "intercept_value"},
	} {
		m := spec.Maps[name]
		if m == nil {
			t.Fatalf("map %s missing", name)
		}
		if want[0] != "" && m.Key.TypeName() != want[0] {
			t.Errorf("%s key is %q, want %q", name, m.Key.TypeName(), want[0])
		}
		if m.Value.TypeName() != want[1] {
			t.Errorf("%s value is %q, want %q", name, m.Value.TypeName(), want[1])
		}
	}
}
