package agent

import (
	"slices"
	"testing"
)

// TestReadHost: the host lists the loopback interface, and reading it
// twice gives equal hosts.
func TestReadHost(t *testing.T) {
	h, err := readHost()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(h.links, func(l hostLink) bool { return l.name == "lo" }) {
		t.Errorf("no loopback among %v", h.links)
	}
	again, err := readHost()
	if err != nil {
		t.Fatal(err)
	}
	if !h.equal(again) {
		t.Errorf("hosts differ: %+v, %+v", h, again)
	}
}

// BenchmarkReadHost is what a resync with nothing new costs the agent.
func BenchmarkReadHost(b *testing.B) {
	for b.Loop() {
		if _, err := readHost(); err != nil {
			b.Fatal(err)
		}
	}
}
