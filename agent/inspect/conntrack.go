package inspect

import (
	"cmp"
	"fmt"
	"github.com/zeta-net/zeta/bpf"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/policy"
)

// Addr is one end of a connection; Port is 0 for protocols without ports.
type Addr struct {
	IP   netip.Addr `json:"ip"`
	Port uint16     `json:"port,omitempty"`
}

func (a Addr) String() string {
	if a.Port == 0 {
		return a.IP.String()
	}
	return netip.AddrPortFrom(a.IP, a.Port).String()
}

// Connection is one conntrack entry: the tuple of the packet that opened
// the connection, seen at one endpoint's hook.
type Connection struct {
	Source      Addr   `json:"source"`
	Destination Addr   `json:"destination"`
	Protocol    string `json:"protocol"`
	// Direction is the endpoint's direction that opened the connection.
	Direction    string `json:"direction"`
	Endpoint     uint32 `json:"endpoint"`
	PeerIdentity uint32 `json:"peer_identity"`
	Verdict      string `json:"verdict"`
	Rule         uint32 `json:"rule"`
	FwdPackets   uint64 `json:"fwd_packets"`
	FwdBytes     uint64 `json:"fwd_bytes"`
	RevPackets   uint64 `json:"rev_packets"`
	RevBytes     uint64 `json:"rev_bytes"`
	FwdTCPFlags  string `json:"fwd_tcp_flags,omitempty"`
	RevTCPFlags  string `json:"rev_tcp_flags,omitempty"`
	// ExpiresIn is how long the entry has left, in whole seconds;
	// negative once Expired.
	ExpiresIn int64 `json:"expires_in_seconds"`
	Expired   bool  `json:"expired"`
}

// CTFilter selects conntrack entries; zero fields select everything.
type CTFilter struct {
	// Endpoint is an endpoint ID, or the ifindex of a current endpoint.
	Endpoint uint32
	Protocol uint8
	// Port matches either end.
	Port uint16
}

// ConnectionList is the output of Conntrack.
type ConnectionList []Connection

// Conntrack lists the conntrack entries that f selects, expired ones
// included. now is CLOCK_MONOTONIC in nanoseconds (MonotonicNow).
func (n Node) Conntrack(f CTFilter, now uint64) (ConnectionList, error) {
	if f.Endpoint != 0 {
		// An entry can outlive its endpoint: an unknown number is taken as
		// an endpoint ID.
		eps, err := n.endpoints()
		if err != nil {
			return nil, err
		}
		if _, info, err := findEndpoint(eps, f.Endpoint); err == nil {
			f.Endpoint = info.ID
		}
	}
	m, err := n.openMap(mapCT)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	entries, err := ctmap.New(m).List()
	if err != nil {
		return nil, err
	}
	out := ConnectionList{}
	for k, e := range entries {
		if f.matches(k, e) {
			out = append(out, newConnection(k, e, now))
		}
	}
	slices.SortFunc(out, func(a, b Connection) int {
		return cmp.Or(
			cmp.Compare(a.Endpoint, b.Endpoint),
			a.Source.IP.Compare(b.Source.IP),
			cmp.Compare(a.Source.Port, b.Source.Port),
			a.Destination.IP.Compare(b.Destination.IP),
			cmp.Compare(a.Destination.Port, b.Destination.Port),
			cmp.Compare(a.Protocol, b.Protocol),
			cmp.Compare(a.Direction, b.Direction),
		)
	})
	return out, nil
}

func (f CTFilter) matches(k ctmap.Key, e ctmap.Entry) bool {
	if f.Endpoint != 0 && e.Endpoint != f.Endpoint {
		return false
	}
	if f.Protocol != 0 && k.Protocol != f.Protocol {
		return false
	}
	if f.Port != 0 && (!bpf.HasPorts(k.Protocol) || (bpf.Ntohs(k.SrcPortNet) != f.Port && bpf.Ntohs(k.DstPortNet) != f.Port)) {
		return false
	}
	return true
}

func newConnection(k ctmap.Key, e ctmap.Entry, now uint64) Connection {
	c := Connection{
		Source:       Addr{IP: k.Src()},
		Destination:  Addr{IP: k.Dst()},
		Protocol:     bpf.ProtocolName(k.Protocol),
		Direction:    ctDirection(k.Flags),
		Endpoint:     e.Endpoint,
		PeerIdentity: e.PeerIdentity,
		Verdict:      policy.Verdict(e.Verdict).String(),
		Rule:         e.Rule,
		FwdPackets:   e.FwdPackets,
		FwdBytes:     e.FwdBytes,
		RevPackets:   e.RevPackets,
		RevBytes:     e.RevBytes,
		ExpiresIn:    (int64(e.Expires) - int64(now)) / int64(time.Second),
		Expired:      e.Expires <= now,
	}
	if bpf.HasPorts(k.Protocol) {
		c.Source.Port = bpf.Ntohs(k.SrcPortNet)
		c.Destination.Port = bpf.Ntohs(k.DstPortNet)
	}
	if k.Protocol == bpf.ProtoTCP {
		c.FwdTCPFlags = bpf.TCPFlags(e.FwdTCPFlags)
		c.RevTCPFlags = bpf.TCPFlags(e.RevTCPFlags)
	}
	return c
}

func ctDirection(flags uint8) string {
	switch flags {
	case ctmap.FlagIngress:
		return policy.Ingress.String()
	case ctmap.FlagEgress:
		return policy.Egress.String()
	}
	return fmt.Sprintf("flags(%d)", flags)
}

// Tables implements Tabler.
func (l ConnectionList) Tables() []Table {
	t := Table{Header: []string{
		"ENDPOINT", "DIRECTION", "PROTOCOL", "SOURCE", "", "DESTINATION", "VERDICT",
		"PACKETS FWD/REV", "BYTES FWD/REV", "TCP FLAGS FWD/REV", "EXPIRES IN",
	}}
	for _, c := range l {
		expires := strconv.FormatInt(c.ExpiresIn, 10) + "s"
		if c.Expired {
			expires = "expired"
		}
		flags := ""
		if c.Protocol == bpf.ProtocolName(bpf.ProtoTCP) {
			flags = orDash(c.FwdTCPFlags) + " / " + orDash(c.RevTCPFlags)
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatUint(uint64(c.Endpoint), 10), c.Direction, c.Protocol,
			c.Source.String(), "->", c.Destination.String(), c.Verdict,
			fmt.Sprintf("%d / %d", c.FwdPackets, c.RevPackets),
			fmt.Sprintf("%d / %d", c.FwdBytes, c.RevBytes),
			flags, expires,
		})
	}
	return []Table{t}
}
