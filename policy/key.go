package policy

// After the endpoint, identity and direction, which it always matches
// whole, the datapath's trie key (bpf/lib/policy.h) has 24 bits of
// (protocol, port). An entry fixes none of them, matching every protocol,
// or the protocol and the top PortPrefix bits of the port. Normalize and
// Evaluate both reason in these bits, so they agree with the trie.
const l4Bits = 24

// matchBits is how many of the 24 (protocol, port) bits e's key fixes. A
// PortPrefix above 16 counts as 16.
func (e Entry) matchBits() int {
	if e.Protocol == 0 {
		return 0
	}
	return 8 + int(min(e.PortPrefix, 16))
}

// l4Value is (protocol, port) as the 24 bits the trie compares.
func l4Value(protocol uint8, port uint16) uint32 {
	return uint32(protocol)<<16 | uint32(port)
}

// topBits returns the first n of the 24 bits of v: what a key fixing n
// bits compares.
func topBits(v uint32, n int) uint32 {
	return v >> (l4Bits - n)
}

// matches reports whether e's key covers the given (protocol, port).
func (e Entry) matches(protocol uint8, port uint16) bool {
	n := e.matchBits()
	return topBits(l4Value(e.Protocol, e.Port), n) == topBits(l4Value(protocol, port), n)
}
