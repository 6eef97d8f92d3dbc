package main

import (
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

// newNetns creates a network namespace that lives until the test ends.
func newNetns(t *testing.T) netns.NsHandle {
	t.Helper()
	var ns netns.NsHandle
	onThread(t, func(restore func() error) error {
		var err error
		if ns, err = netns.New(); err != nil {
			return err
		}
		return restore()
	})
	t.Cleanup(func() { ns.Close() })
	return ns
}

// inNetns runs f inside ns.
func inNetns(t *testing.T, ns netns.NsHandle, f func() error) {
	t.Helper()
	onThread(t, func(restore func() error) error {
		if err := netns.Set(ns); err != nil {
			return err
		}
		ferr := f()
		if err := restore(); err != nil {
			return err
		}
		return ferr
	})
}

// onThread runs f on a locked OS thread whose network namespace f may
// change; restore switches it back. A thread that could not be restored
// is never unlocked, so it ends with its goroutine.
func onThread(t *testing.T, f func(restore func() error) error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		restored := false
		err = f(func() error {
			if err := netns.Set(orig); err != nil {
				return err
			}
			restored = true
			return nil
		})
		if restored {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
