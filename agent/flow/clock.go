package flow

import "golang.org/x/sys/unix"

// monotonicNow reads CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns().
func monotonicNow() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic("clock_gettime(CLOCK_MONOTONIC): " + err.Error())
	}
	return uint64(ts.Nano())
}
