package otlp

import (
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
)

// TestEndAttributes: a connection's end carries its type, how it ended,
// its start and both sides' totals.
func TestEndAttributes(t *testing.T) {
	r := flowtest.End()
	got := map[attribute.Key]attribute.Value{}
	for _, kv := range attributes(r) {
		got[kv.Key] = kv.Value
	}
	for k, v := range map[attribute.Key]attribute.Value{
		"zeta.type": attribute.StringValue("end"), "zeta.end": attribute.StringValue("closed"),
		"zeta.started_unix_nano":  attribute.Int64Value(r.Totals.Started.UnixNano()),
		"zeta.totals.fwd_packets": attribute.Int64Value(6), "zeta.totals.fwd_bytes": attribute.Int64Value(700),
		"zeta.totals.rev_packets": attribute.Int64Value(5), "zeta.totals.rev_bytes": attribute.Int64Value(9000),
	} {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %v, want %v", k, got[k].String(), v.String())
		}
	}
	for _, r := range flowtest.Records() {
		for _, kv := range attributes(r) {
			if kv.Key == "zeta.type" || kv.Key == "zeta.end" {
				t.Errorf("a verdict record has %s", kv.Key)
			}
		}
	}
}
