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
// chain of nested prefixes grows strictly stronger, so the longest match
// is the strongest. Of identical keys the strongest entry stays, then the
// lowest rule, so the result does not depend on input order.
//
// Entries are canonicalised first: every-protocol entries get port 0,
// ports are masked to their prefix, and PortPrefix is capped at 16. Entries
// without a valid verdict are dropped: the datapath would read them as no
// match while they hid the shorter entries that do match.
func Normalize(entries []Entry) []Entry {
	work := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if e.Verdict.Rank() > 0 {
			work = append(work, canonical(e))
		}
	}
	// Everything that can cover an entry sorts before it: shorter
	// prefixes first, then stronger verdicts, then lower rules.
	slices.SortFunc(work, func(a, b Entry) int {
		return cmp.Or(
			cmp.Compare(a.matchBits(), b.matchBits()),
			cmp.Compare(b.Verdict.Rank(), a.Verdict.Rank()),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
	kept := map[trieKey]int{}
	out := work[:0]
	for _, e := range work {
		if covered(kept, e) {
			continue
		}
		kept[keyOf(e, e.matchBits())] = e.Verdict.Rank()
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

// covered reports whether a kept entry of equal or stronger verdict has a
// prefix of e's key: it answers for everything e would.
func covered(kept map[trieKey]int, e Entry) bool {
	for bits := range e.matchBits() + 1 {
		if rank, ok := kept[keyOf(e, bits)]; ok && rank >= e.Verdict.Rank() {
			return true
		}
	}
	return false
}

// canonical returns e with the bits its key does not fix cleared, as the
// trie stores it.
func canonical(e Entry) Entry {
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
		cmp.Compare(a.Rule, b.Rule),
	)
}
