package policy

import (
	"cmp"
	"slices"

	"github.com/zeta-net/zeta/policy/secid"
)

// Normalize returns entries as the datapath must hold them, sorted.
//
// The trie answers with the longest matching prefix of one identity, while
// policy means the strongest verdict among all matching entries. The two
// agree when no entry is shadowed by a longer one with a weaker verdict,
// which Normalize guarantees by dropping every entry covered (same
// direction and identity, a prefix no longer than its own that contains
// it) by another of equal or stronger verdict. What remains along any
// chain of nested prefixes grows stronger, so the longest match is the
// strongest. Of identical keys the strongest entry stays, then the lowest
// rule, so the result does not depend on input order.
//
// Redirects to different proxies are equally strong, and which proxy a
// connection goes to is the most specific entry's choice: a redirect is
// covered only by the longest kept entry covering it, and only if that one
// is stronger or sends to the same proxy. Of identical keys, the highest
// proxy port stays.
//
// Entries are canonicalised first: every-protocol entries get port 0,
// ports are masked to their prefix, PortPrefix is capped at 16, and only
// Redirect keeps a ProxyPort. Entries without a valid verdict are dropped:
// the datapath would read them as no match while they hid the shorter
// entries that do match.
func Normalize(entries []Entry) []Entry {
	work := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if e.Verdict.Rank() > 0 {
			work = append(work, canonical(e))
		}
	}
	// Everything that can cover an entry sorts before it: shorter
	// prefixes first, then stronger verdicts, higher proxy ports and
	// lower rules.
	slices.SortFunc(work, func(a, b Entry) int {
		return cmp.Or(
			cmp.Compare(a.matchBits(), b.matchBits()),
			cmp.Compare(b.Verdict.Rank(), a.Verdict.Rank()),
			cmp.Compare(b.ProxyPort, a.ProxyPort),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
	kept := map[trieKey]Entry{}
	out := work[:0]
	for _, e := range work {
		if covered(kept, e) {
			continue
		}
		kept[keyOf(e, e.matchBits())] = e
		out = append(out, e)
	}
	slices.SortFunc(out, compareEntries)
	return out
}

// trieKey is an entry's key cut to a prefix of its (protocol, port) bits.
type trieKey struct {
	dir  Direction
	id   secid.ID
	bits int
	l4   uint32
}

func keyOf(e Entry, bits int) trieKey {
	return trieKey{dir: e.Direction, id: e.Identity, bits: bits, l4: topBits(l4Value(e.Protocol, e.Port), bits)}
}

// covered reports whether the longest kept entry whose key is a prefix of
// e's answers for everything e would: it has e's key (and sorted first, so
// it is at least as strong), or a stronger verdict, or e's verdict and
// proxy. Kept entries grow stronger along a chain, so the longest is also
// the strongest.
func covered(kept map[trieKey]Entry, e Entry) bool {
	n := e.matchBits()
	for bits := n; bits >= 0; bits-- {
		k, ok := kept[keyOf(e, bits)]
		if !ok {
			continue
		}
		r, er := k.Verdict.Rank(), e.Verdict.Rank()
		return bits == n || r > er || (r == er && k.ProxyPort == e.ProxyPort)
	}
	return false
}

// canonical returns e with the bits its key does not fix cleared, as the
// trie stores it.
func canonical(e Entry) Entry {
	if e.Verdict != Redirect {
		e.ProxyPort = 0
	}
	n := e.matchBits()
	if n == 0 {
		e.Port, e.PortPrefix = 0, 0
		return e
	}
	e.PortPrefix = uint8(n - 8)
	e.Port &= uint16(uint32(0xffff) << (16 - e.PortPrefix))
	return e
}

// compareEntries orders entries by key, then verdict and rule.
func compareEntries(a, b Entry) int {
	return cmp.Or(
		cmp.Compare(a.Direction, b.Direction),
		cmp.Compare(a.Identity, b.Identity),
		cmp.Compare(a.Protocol, b.Protocol),
		cmp.Compare(a.Port, b.Port),
		cmp.Compare(a.PortPrefix, b.PortPrefix),
		cmp.Compare(a.Verdict, b.Verdict),
		cmp.Compare(a.ProxyPort, b.ProxyPort),
		cmp.Compare(a.Rule, b.Rule),
	)
}
