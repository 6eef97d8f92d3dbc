package datapath

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/tests/netnstest"
)

func testRoot(t *testing.T) string {
	b := make([]byte, 6)
	rand.Read(b)
	root := filepath.Join("/sys/fs/bpf", "zeta-test-"+hex.EncodeToString(b))
	t.Cleanup(func() {
		if err := Uninstall(root); err != nil {
			t.Errorf("uninstall: %v", err)
		}
	})
	return root
}

func veth(t *testing.T, name string) int {
	t.Helper()
	la := netlink.NewLinkAttrs()
	la.Name = name
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: la, PeerName: name + "p"}); err != nil {
		t.Fatalf("add veth: %v", err)
	}
	l, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return l.Attrs().Index
}

// tcxPrograms asks the kernel which links are attached at the hook.
func tcxPrograms(t *testing.T, ifindex int, egress bool) []link.ID {
	t.Helper()
	attach := ebpf.AttachTCXIngress
	if egress {
		attach = ebpf.AttachTCXEgress
	}
	var out []link.ID
	res, err := link.QueryPrograms(link.QueryOptions{Target: ifindex, Attach: attach})
	if err != nil {
		t.Fatalf("query tcx: %v", err)
	}
	for _, p := range res.Programs {
		if id, ok := p.LinkID(); ok {
			out = append(out, id)
		}
	}
	return out
}

// TestAttachAdoptUninstall attaches to a veth, restarts (a new Open adopts
// the same links without detaching them), and uninstalls.
func TestAttachAdoptUninstall(t *testing.T) {
	netnstest.Enter(t)
	root := testRoot(t)
	log := slog.New(slog.DiscardHandler)
	ifindex := veth(t, "zt0")

	d, err := Open(root, bpf.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Attach(ifindex); err != nil {
		t.Fatal(err)
	}
	before := d.Links()
	if len(before) != 2 {
		t.Fatalf("links after attach: %v, want ingress and egress", before)
	}
	for _, egress := range []bool{false, true} {
		if got := tcxPrograms(t, ifindex, egress); len(got) != 1 {
			t.Fatalf("tcx egress=%v programs: %v, want one", egress, got)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	// Nothing detached while no agent runs: the pins hold the links.
	for _, egress := range []bool{false, true} {
		if got := tcxPrograms(t, ifindex, egress); len(got) != 1 {
			t.Fatalf("after close, tcx egress=%v programs: %v, want one", egress, got)
		}
	}

	d, err = Open(root, bpf.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	after := d.Links()
	if !maps.Equal(after, before) {
		t.Fatalf("adopted links %v, want the same links as %v", after, before)
	}
	if got := d.Attached(); !slices.Equal(got, []int{ifindex}) {
		t.Fatalf("attached %v, want [%d]", got, ifindex)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	if err := Uninstall(root); err != nil {
		t.Fatal(err)
	}
	for _, egress := range []bool{false, true} {
		if got := tcxPrograms(t, ifindex, egress); len(got) != 0 {
			t.Fatalf("after uninstall, tcx egress=%v programs: %v, want none", egress, got)
		}
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("pin root still exists: %v", err)
	}
}

// TestAdoptDefunctLink drops the pin of a link whose interface went away.
func TestAdoptDefunctLink(t *testing.T) {
	netnstest.Enter(t)
	root := testRoot(t)
	log := slog.New(slog.DiscardHandler)
	ifindex := veth(t, "zt1")

	d, err := Open(root, bpf.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Attach(ifindex); err != nil {
		t.Fatal(err)
	}
	d.Close()
	l, _ := netlink.LinkByIndex(ifindex)
	if err := netlink.LinkDel(l); err != nil {
		t.Fatal(err)
	}

	d, err = Open(root, bpf.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := d.Attached(); len(got) != 0 {
		t.Fatalf("attached %v after the interface went away, want none", got)
	}
	pins, _ := os.ReadDir(filepath.Join(root, "links"))
	if len(pins) != 0 {
		t.Fatalf("defunct pins left: %v", pins)
	}
}
