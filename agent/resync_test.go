package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/zeta-net/zeta/tests/netnstest"
)

// TestAgentResync runs an agent in a network namespace of its own with a
// fast resync: once it has applied the (empty) cluster, resync ticks with
// nothing new leave its snapshot alone (no computation), while a new
// interface, which brings no route event, is picked up by the next one.
func TestAgentResync(t *testing.T) {
	ns := netnstest.Enter(t) // the agent's loop runs on this goroutine
	const resync = 20 * time.Millisecond
	a, _ := newTestAgent(t, "node-r", func(c *Config) { c.Resync = resync })
	nl, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()

	ctx, cancel := context.WithCancel(t.Context())
	checked := make(chan error, 1)
	go func() {
		defer cancel()
		checked <- checkResync(a, nl, resync)
	}()
	if err := a.Run(ctx, syncedSource{}); err != nil {
		t.Errorf("run: %v", err)
	}
	if err := <-checked; err != nil {
		t.Error(err)
	}
}

func checkResync(a *Agent, nl *netlink.Handle, resync time.Duration) error {
	waitFor := func(what string, ok func() bool) error {
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(resync / 4) {
			if time.Now().After(deadline) {
				return errors.New(what)
			}
		}
		return nil
	}
	if err := waitFor("never ready", func() bool { return a.status.Load().Ready }); err != nil {
		return err
	}
	applied := a.snapshot.Load()
	time.Sleep(10 * resync)
	if a.snapshot.Load() != applied {
		return errors.New("resync ticks with nothing new computed the state again")
	}
	name := fmt.Sprintf("zr%x", rand.Uint32())
	link := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: name + "p"}
	if err := nl.LinkAdd(link); err != nil {
		return fmt.Errorf("add %s: %w", link.Name, err)
	}
	return waitFor("a new interface was not picked up by resync", func() bool { return a.snapshot.Load() != applied })
}
