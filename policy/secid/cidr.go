package secid

import (
	"cmp"
	"net/netip"
	"slices"
)

// CIDRSet is the set of prefixes that policies name. Every address and
// prefix belongs to the members that contain it, and that membership is
// what ipBlock-like peers select on: an identity is inside a policy's CIDR
// exactly when its labels list it.
//
// Installing each member as an IP cache prefix with the identity of its
// memberships makes the IP cache exact: the longest member containing an
// address is contained in every other member that does, so its
// memberships are the address's own.
type CIDRSet struct {
	members []netip.Prefix            // sorted: family, then length, then address
	lengths [2][]int                  // the distinct lengths per family (0: IPv4, 1: IPv6)
	set     map[netip.Prefix]struct{} // members, masked
}

// NewCIDRSet returns the set of prefixes, masked; duplicates collapse.
// IPv4-mapped IPv6 prefixes are kept as IPv6 ones: pod addresses, which
// are unmapped, are never inside them.
func NewCIDRSet(prefixes []netip.Prefix) *CIDRSet {
	s := &CIDRSet{set: map[netip.Prefix]struct{}{}}
	for _, p := range prefixes {
		p = p.Masked()
		if _, ok := s.set[p]; ok || !p.IsValid() {
			continue
		}
		s.set[p] = struct{}{}
		s.members = append(s.members, p)
	}
	slices.SortFunc(s.members, comparePrefixes)
	for _, p := range s.members {
		f := family(p.Addr())
		if l := s.lengths[f]; len(l) == 0 || l[len(l)-1] != p.Bits() {
			s.lengths[f] = append(s.lengths[f], p.Bits())
		}
	}
	return s
}

// Members returns the set's prefixes, sorted.
func (s *CIDRSet) Members() []netip.Prefix { return slices.Clone(s.members) }

// Containing returns the members that contain p, shortest first, as
// strings: Labels.CIDRs. A single address is its host prefix.
func (s *CIDRSet) Containing(p netip.Prefix) []string {
	var out []string
	for _, bits := range s.lengths[family(p.Addr())] {
		if bits > p.Bits() {
			break
		}
		m := netip.PrefixFrom(p.Addr(), bits).Masked()
		if _, ok := s.set[m]; ok {
			out = append(out, m.String())
		}
	}
	return out
}

// Labels returns the labels of the CIDR identity of member p.
func (s *CIDRSet) Labels(p netip.Prefix) Labels {
	return Labels{CIDRs: s.Containing(p)}
}

func family(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

func comparePrefixes(a, b netip.Prefix) int {
	return cmp.Or(
		cmp.Compare(family(a.Addr()), family(b.Addr())),
		cmp.Compare(a.Bits(), b.Bits()),
		a.Addr().Compare(b.Addr()),
	)
}
