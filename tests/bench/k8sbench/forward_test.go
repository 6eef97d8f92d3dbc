package k8sbench

import (
	"io"
	"net"
	"net/url"
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

// forward makes the API server at host (https://127.0.0.1:PORT) reachable
// at the same address inside the network namespace name, where the agent
// runs: a listener there, whose connections are dialled from here.
func forward(b *testing.B, name, host string) {
	b.Helper()
	u, err := url.Parse(host)
	if err != nil {
		b.Fatal(err)
	}
	addr := u.Host
	ln := func() net.Listener {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		orig, err := netns.Get()
		if err != nil {
			b.Fatal(err)
		}
		defer orig.Close()
		ns, err := netns.GetFromName(name)
		if err != nil {
			b.Fatal(err)
		}
		defer ns.Close()
		if err := netns.Set(ns); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = netns.Set(orig) }()
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		return ln
	}()
	b.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go pipe(c, addr)
		}
	}()
}

func pipe(c net.Conn, addr string) {
	defer c.Close()
	d, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer d.Close()
	go func() { _, _ = io.Copy(d, c) }()
	_, _ = io.Copy(c, d)
}
