package leaktest

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// Check records the goroutines and open file descriptors now; the
// returned function fails the test if, within a few seconds, there are
// more. Call it after everything the test started was closed.
func Check(t *testing.T) func() {
	t.Helper()
	g0, fd0 := runtime.NumGoroutine(), fds(t)
	return func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			g, fd := runtime.NumGoroutine(), fds(t)
			if g <= g0 && fd <= fd0 {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("leaked %d goroutines and %d file descriptors\n%s", g-g0, fd-fd0, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func fds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
