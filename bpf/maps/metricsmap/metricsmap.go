// Package metricsmap owns zeta_metrics: per-CPU packet and byte counters
// by endpoint, verdict, reason and direction.
package metricsmap

import (
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
)

// Key mirrors struct metrics_key.
type Key struct {
	Endpoint  uint32
	Verdict   policy.Verdict
	Reason    bpf.Reason
	Direction policy.Direction
	_         uint8
}

// Value mirrors struct metrics_value.
type Value struct {
	Packets uint64
	Bytes   uint64
}

// Map is zeta_metrics.
type Map struct{ m *ebpf.Map }

// New wraps the loaded map.
func New(m *ebpf.Map) *Map { return &Map{m: m} }

// Sum returns every counter summed over CPUs.
func (m *Map) Sum() (map[Key]Value, error) {
	out := map[Key]Value{}
	var k Key
	var per []Value
	it := m.m.Iterate()
	for it.Next(&k, &per) {
		var s Value
		for _, v := range per {
			s.Packets += v.Packets
			s.Bytes += v.Bytes
		}
		out[k] = s
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("sum metrics: %w", err)
	}
	return out, nil
}
