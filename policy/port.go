package policy

import (
	"fmt"
	"math/bits"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

// IP protocol numbers of the protocols NetworkPolicy ports name.
const (
	protoTCP  uint8 = 6
	protoUDP  uint8 = 17
	protoSCTP uint8 = 132
)

var protocols = map[corev1.Protocol]uint8{
	corev1.ProtocolTCP:  protoTCP,
	corev1.ProtocolUDP:  protoUDP,
	corev1.ProtocolSCTP: protoSCTP,
}

// protocolNumber returns the IP protocol of a port's protocol field, which
// defaults to TCP.
func protocolNumber(p *corev1.Protocol) (uint8, error) {
	if p == nil {
		return protoTCP, nil
	}
	n, ok := protocols[*p]
	if !ok {
		return 0, fmt.Errorf("unsupported protocol %q", *p)
	}
	return n, nil
}

// portMatch is one (protocol, port prefix) that an entry can carry;
// protocol 0 matches every protocol.
type portMatch struct {
	proto  uint8
	port   uint16
	prefix uint8
}

// portName is a named port as a rule refers to it: the name only means
// something together with the protocol.
type portName struct {
	name  string
	proto uint8
}

// parsePorts splits a rule's ports into what every peer shares (numbers,
// ranges, whole protocols) and named ports, which resolve per pod. No ports
// at all means every port of every protocol.
func parsePorts(ports []networkingv1.NetworkPolicyPort) ([]portMatch, []portName, error) {
	if len(ports) == 0 {
		return []portMatch{{}}, nil, nil
	}
	var numbered []portMatch
	var named []portName
	for i, p := range ports {
		proto, err := protocolNumber(p.Protocol)
		if err != nil {
			return nil, nil, fmt.Errorf("ports[%d]: %w", i, err)
		}
		switch {
		case p.Port == nil:
			numbered = append(numbered, portMatch{proto: proto})
		case p.Port.Type == intstr.String:
			named = append(named, portName{name: p.Port.StrVal, proto: proto})
		default:
			lo, hi := p.Port.IntVal, p.Port.IntVal
			if p.EndPort != nil {
				hi = *p.EndPort
			}
			if lo < 1 || hi < lo || hi > 65535 {
				return nil, nil, fmt.Errorf("ports[%d]: bad port range %d-%d", i, lo, hi)
			}
			numbered = append(numbered, splitRange(proto, uint16(lo), uint16(hi))...)
		}
	}
	return numbered, named, nil
}

// parsePortRanges returns the matches of a ZeroTrustPolicy rule's ports:
// a port or range of one protocol (TCP by default), port 0 meaning every
// port of it. No ports at all means every port of every protocol.
func parsePortRanges(ports []v1alpha1.PortRange) ([]portMatch, error) {
	if len(ports) == 0 {
		return []portMatch{{}}, nil
	}
	var out []portMatch
	for i, p := range ports {
		proto := protoTCP
		if p.Protocol != "" {
			var ok bool
			if proto, ok = protocols[p.Protocol]; !ok {
				return nil, fmt.Errorf("ports[%d]: unsupported protocol %q", i, p.Protocol)
			}
		}
		lo, hi := p.Port, max(p.EndPort, p.Port)
		switch {
		case p.Port == 0 && p.EndPort == 0:
			out = append(out, portMatch{proto: proto})
		case lo < 1 || hi > 65535 || (p.EndPort != 0 && p.EndPort < lo):
			return nil, fmt.Errorf("ports[%d]: bad port range %d-%d", i, p.Port, p.EndPort)
		default:
			out = append(out, splitRange(proto, uint16(lo), uint16(hi))...)
		}
	}
	return out, nil
}

// splitRange covers [lo, hi] with the fewest power-of-two aligned port
// prefixes, the only ranges an LPM key can express: at each step it takes
// the largest block that starts aligned at the next uncovered port and ends
// inside the range.
func splitRange(proto uint8, lo, hi uint16) []portMatch {
	var out []portMatch
	for next := uint32(lo); next <= uint32(hi); {
		size := uint32(1) << 16
		if next != 0 {
			size = next & -next
		}
		for next+size-1 > uint32(hi) {
			size >>= 1
		}
		out = append(out, portMatch{proto: proto, port: uint16(next), prefix: uint8(16 - bits.TrailingZeros32(size))})
		next += size
	}
	return out
}
