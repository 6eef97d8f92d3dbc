package ocsf

import (
	"testing"

	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
)

// TestEnd: a connection's end is Network Activity "Close" with the
// traffic of each side, the start and how it ended.
func TestEnd(t *testing.T) {
	r := flowtest.End()
	ev := (&Encoder{}).Event(r)
	want := Traffic{Bytes: 9700, Packets: 11, BytesOut: 700, PacketsOut: 6, BytesIn: 9000, PacketsIn: 5}
	if ev.ActivityID != ActivityClose || ev.ActivityName != "Close" || ev.TypeUID != 400102 || ev.TypeName != "Network Activity: Close" ||
		ev.Traffic != want || ev.StartTime != r.Totals.Started.UnixMilli() || ev.StatusDetail != "closed" ||
		ev.Disposition != "Allowed" || ev.Message != "ALLOWED TCP 10.0.1.5:40000 -> 10.0.2.7:5432 closed: sent 6 packets, 700 bytes; received 5 packets, 9000 bytes" {
		t.Errorf("end event: %+v", ev)
	}
}
