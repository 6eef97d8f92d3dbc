package inspect

import "strconv"

// PortRange returns the ports a policy key covers: the top prefix bits of
// port are fixed, the others free. A prefix of 16 or more is one port.
func PortRange(port uint16, prefix uint8) (lo, hi uint16) {
	if prefix >= 16 {
		return port, port
	}
	mask := ^uint16(0) << (16 - prefix)
	lo = port & mask
	return lo, lo | ^mask
}

// formatPorts shows a port range as "80", "80-81" or "any".
func formatPorts(lo, hi uint16) string {
	switch {
	case lo == hi:
		return strconv.Itoa(int(lo))
	case lo == 0 && hi == 0xffff:
		return "any"
	}
	return strconv.Itoa(int(lo)) + "-" + strconv.Itoa(int(hi))
}
