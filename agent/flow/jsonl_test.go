package flow

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

func TestJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.jsonl")
	j, err := OpenJSONLines(path)
	if err != nil {
		t.Fatal(err)
	}
	batch := []*Record{rec(1), rec(2)}
	if err := j.Export(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	// Export flushes: the lines are there before Close.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var r Record
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &r) != nil || r.Source.Port != 2 {
		t.Errorf("flow log:\n%s", data)
	}
	if err := j.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("flow log mode: %v, %v", fi.Mode(), err)
	}
}

func TestProcessCounts(t *testing.T) {
	h := testHub(4, 4)
	p := &Pipeline{Node: "n1", Hub: h, Enrich: func(r *Record, _ *eventmap.Event) { r.Endpoint = "x/a" }}
	for _, v := range []policy.Verdict{policy.Allow, policy.Deny, policy.Deny, 9} {
		p.Process(&eventmap.Event{Verdict: v, Direction: policy.Egress, Rule: 7, Len: 60}, time.Now())
	}
	got := map[string]uint64{}
	for _, c := range p.Counts() {
		got[c.Verdict+" "+c.Direction] = c.Records
	}
	if len(got) != 3 || got["ALLOWED egress"] != 1 || got["DENIED egress"] != 2 || got["VERDICT(9) egress"] != 1 {
		t.Errorf("counts: %v", got)
	}
	r := h.Recent(Filter{}, 1)[0]
	if r.Node != "n1" || r.Endpoint != "x/a" || r.Packets != 1 || r.Bytes != 60 || r.RuleID != 7 || r.TraceContext != "" {
		t.Errorf("processed record: %+v", r)
	}
	if p.Records() != 4 {
		t.Errorf("Records = %d", p.Records())
	}
}
