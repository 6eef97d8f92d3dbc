package cef

import (
	"testing"

	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
)

// TestEnd: a connection's end carries both sides' bytes and packets, its
// start and how it ended.
func TestEnd(t *testing.T) {
	e := Encoder{Origin: origin}
	got := string(e.Append(nil, flowtest.End()))
	want := "CEF:0|Zeta|zeta-agent|v1.2.3|ALLOWED|Connection closed|1|rt=1772600767123 dvchost=node-a act=allowed " +
		"proto=TCP src=10.0.1.5 spt=40000 dst=10.0.2.7 dpt=5432 deviceDirection=1 in=700 " +
		"cs1=db/allow-shop cs1Label=policy cs2=shop/frontend-1 cs2Label=sourceWorkload " +
		"cs3=db/postgres-0 cs3Label=destinationWorkload cs6=shop/frontend-1 cs6Label=endpoint " +
		"cn1=256 cn1Label=sourceIdentity cn2=257 cn2Label=destinationIdentity cn3=7 cn3Label=ruleId " +
		"flexString1=FIN,SYN,PSH,ACK flexString1Label=tcpFlags " +
		"out=9000 start=1772600762123 outcome=closed flexNumber1=6 flexNumber1Label=fwdPackets flexNumber2=5 flexNumber2Label=revPackets"
	if got != want {
		t.Errorf("end record:\n got %s\nwant %s", got, want)
	}
}
