package eventmap

import (
	"fmt"

	"github.com/cilium/ebpf"
)

// Counter indexes zeta_counters (enum zeta_counter in lib/flow.h).
type Counter uint32

const (
	// EventsLost counts events dropped because the ring buffer was full.
	EventsLost Counter = 0
	// EventsRateLimited counts events an endpoint's token bucket refused.
	EventsRateLimited Counter = 1
)

// Config mirrors struct zeta_config.
type Config struct {
	EventsPerSec uint32 // per endpoint; 0 disables the limit
	EventsBurst  uint32
}

// RateState mirrors struct rate_state, an endpoint's token bucket.
type RateState struct {
	Tokens uint64 // billionths of an event
	Last   uint64
}

// SetConfig writes the rate limiter's settings.
func SetConfig(m *ebpf.Map, c Config) error {
	if err := m.Update(uint32(0), c, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("write datapath config: %w", err)
	}
	return nil
}

// ReadCounter sums a counter over CPUs.
func ReadCounter(m *ebpf.Map, c Counter) (uint64, error) {
	var per []uint64
	if err := m.Lookup(uint32(c), &per); err != nil {
		return 0, fmt.Errorf("read counter %d: %w", c, err)
	}
	var sum uint64
	for _, v := range per {
		sum += v
	}
	return sum, nil
}
