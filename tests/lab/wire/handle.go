package wire

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/tests/lab/labns"
)

// handle opens a netlink handle inside the namespace called netns.
func handle(netns string) (*netlink.Handle, error) {
	var h *netlink.Handle
	err := labns.Do(netns, func() (err error) {
		h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open netlink in %s: %w", netns, err)
	}
	return h, nil
}

// sysctl sets keys ("net.ipv4.ip_forward") to values inside netns. Network
// sysctls are per namespace: /proc/sys/net shows the opening thread's.
func sysctl(netns string, kv ...string) error {
	return labns.Do(netns, func() error {
		for i := 0; i+1 < len(kv); i += 2 {
			path := filepath.Join("/proc/sys", strings.ReplaceAll(kv[i], ".", "/"))
			if err := os.WriteFile(path, []byte(kv[i+1]), 0o600); err != nil {
				return fmt.Errorf("set sysctl %s in %s: %w", kv[i], netns, err)
			}
		}
		return nil
	})
}

// noDAD turns IPv6 duplicate address detection off for links created later.
var noDAD = []string{
	"net.ipv6.conf.all.accept_dad", "0",
	"net.ipv6.conf.default.accept_dad", "0",
}

// up brings the loopback and the named links of h's namespace up.
func up(h *netlink.Handle, names ...string) error {
	for _, name := range append([]string{"lo"}, names...) {
		link, err := h.LinkByName(name)
		if err != nil {
			return fmt.Errorf("find link %s: %w", name, err)
		}
		if err := h.LinkSetUp(link); err != nil {
			return fmt.Errorf("set link %s up: %w", name, err)
		}
	}
	return nil
}
