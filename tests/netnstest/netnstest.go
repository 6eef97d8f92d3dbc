// Package netnstest runs test code inside a fresh network namespace. The
// namespace exists only while the test runs: it is never bind-mounted, so
// a crashed test leaves nothing behind, and t.Cleanup returns the thread
// to its original namespace.
package netnstest

import (
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

// RequireRoot skips a test that needs root when it does not have it.
func RequireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root")
	}
}

// Enter moves the calling goroutine, locked to its OS thread, into a new
// network namespace until the test ends. Everything the test does on this
// goroutine (netlink calls, socket creation, TCX attachment by ifindex)
// happens in that namespace; goroutines it starts do not follow.
func Enter(tb testing.TB) netns.NsHandle {
	tb.Helper()
	RequireRoot(tb)
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		tb.Fatalf("get current netns: %v", err)
	}
	ns, err := netns.New()
	if err != nil {
		_ = orig.Close()
		runtime.UnlockOSThread()
		tb.Fatalf("create netns: %v", err)
	}
	tb.Cleanup(func() {
		_ = ns.Close()
		if err := netns.Set(orig); err != nil {
			// Leave the thread locked: Go discards it when the goroutine ends.
			tb.Errorf("restore netns: %v", err)
			return
		}
		_ = orig.Close()
		runtime.UnlockOSThread()
	})
	return ns
}
