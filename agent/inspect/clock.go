package inspect

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// MonotonicNow reads CLOCK_MONOTONIC in nanoseconds, the clock of the
// datapath's timestamps (bpf_ktime_get_ns).
func MonotonicNow() (uint64, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0, fmt.Errorf("read CLOCK_MONOTONIC: %w", err)
	}
	return uint64(ts.Nano()), nil
}
