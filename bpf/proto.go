package bpf

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// IP protocol numbers the datapath parses.
const (
	ProtoICMP   uint8 = 1
	ProtoTCP    uint8 = 6
	ProtoUDP    uint8 = 17
	ProtoICMPv6 uint8 = 58
	ProtoSCTP   uint8 = 132
)

var protocolNames = map[uint8]string{
	ProtoICMP: "ICMP", ProtoTCP: "TCP", ProtoUDP: "UDP", ProtoICMPv6: "ICMPv6", ProtoSCTP: "SCTP",
}

// ProtocolName names an IP protocol as flow records and zetactl show it;
// 0 is the wildcard of policy keys.
func ProtocolName(p uint8) string {
	if p == 0 {
		return "any"
	}
	if n, ok := protocolNames[p]; ok {
		return n
	}
	return "IP(" + strconv.Itoa(int(p)) + ")"
}

// ParseProtocol accepts a protocol name (any case) or number.
func ParseProtocol(s string) (uint8, error) {
	for p, n := range protocolNames {
		if strings.EqualFold(s, n) {
			return p, nil
		}
	}
	p, err := strconv.ParseUint(s, 10, 8)
	if err != nil || p == 0 {
		return 0, fmt.Errorf("unknown protocol %q (want TCP, UDP, SCTP, ICMP, ICMPv6 or a number 1-255)", s)
	}
	return uint8(p), nil
}

// HasPorts reports whether the protocol's tuples carry ports; for the
// others the datapath matches policy on port 0.
func HasPorts(p uint8) bool { return p == ProtoTCP || p == ProtoUDP || p == ProtoSCTP }

var tcpFlagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

// TCPFlags names the TCP flags set in f, comma-separated.
func TCPFlags(f uint8) string {
	var out []string
	for i, n := range tcpFlagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// Ntohs converts a 16-bit value the datapath keeps in network byte order
// (ports, in fields named ...Net) to host order.
func Ntohs(v uint16) uint16 {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], v)
	return binary.BigEndian.Uint16(b[:])
}

// Htons is the inverse of Ntohs.
func Htons(v uint16) uint16 { return Ntohs(v) }
