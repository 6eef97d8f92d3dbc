package policy

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zeta-net/zeta/policy/secid"
)

const pod = secid.MinPod

// ent builds an ingress entry.
func ent(id secid.ID, protocol uint8, port uint16, prefix uint8, v Verdict, rule RuleID) Entry {
	return Entry{Direction: Ingress, Identity: id, Protocol: protocol, Port: port, PortPrefix: prefix, Verdict: v, Rule: rule}
}

func TestNormalize(t *testing.T) {
	out := func(e Entry) Entry { e.Direction = Egress; return e }
	tests := []struct {
		name string
		in   []Entry
		want []Entry
	}{
		{"empty", nil, nil},
		{"duplicates",
			[]Entry{ent(pod, 6, 80, 16, Allow, 1), ent(pod, 6, 80, 16, Allow, 1)},
			[]Entry{ent(pod, 6, 80, 16, Allow, 1)}},
		{"same key: deny beats allow",
			[]Entry{ent(pod, 6, 80, 16, Allow, 1), ent(pod, 6, 80, 16, Deny, 2)},
			[]Entry{ent(pod, 6, 80, 16, Deny, 2)}},
		{"same key: audit beats allow",
			[]Entry{ent(pod, 6, 80, 16, Audit, 2), ent(pod, 6, 80, 16, Allow, 1)},
			[]Entry{ent(pod, 6, 80, 16, Audit, 2)}},
		{"same key and verdict: lowest rule",
			[]Entry{ent(pod, 6, 80, 16, Allow, 9), ent(pod, 6, 80, 16, Allow, 3)},
			[]Entry{ent(pod, 6, 80, 16, Allow, 3)}},
		{"every protocol covers a port",
			[]Entry{ent(pod, 6, 80, 16, Allow, 1), ent(pod, 0, 0, 0, Allow, 2)},
			[]Entry{ent(pod, 0, 0, 0, Allow, 2)}},
		{"every protocol does not cover a stronger port",
			[]Entry{ent(pod, 0, 0, 0, Allow, 1), ent(pod, 6, 80, 16, Deny, 2)},
			[]Entry{ent(pod, 0, 0, 0, Allow, 1), ent(pod, 6, 80, 16, Deny, 2)}},
		{"every-protocol deny covers an allowed port",
			[]Entry{ent(pod, 6, 80, 16, Allow, 1), ent(pod, 0, 0, 0, Deny, 2)},
			[]Entry{ent(pod, 0, 0, 0, Deny, 2)}},
		{"whole protocol covers its ports only",
			[]Entry{ent(pod, 6, 0, 0, Allow, 1), ent(pod, 6, 80, 16, Allow, 2), ent(pod, 17, 80, 16, Allow, 3)},
			[]Entry{ent(pod, 6, 0, 0, Allow, 1), ent(pod, 17, 80, 16, Allow, 3)}},
		{"range covers ports inside it only",
			[]Entry{ent(pod, 6, 80, 15, Allow, 1), ent(pod, 6, 81, 16, Allow, 2), ent(pod, 6, 82, 16, Allow, 3)},
			[]Entry{ent(pod, 6, 80, 15, Allow, 1), ent(pod, 6, 82, 16, Allow, 3)}},
		{"wide deny range covers a narrower allow range",
			[]Entry{ent(pod, 6, 1024, 6, Deny, 1), ent(pod, 6, 1536, 8, Allow, 2)},
			[]Entry{ent(pod, 6, 1024, 6, Deny, 1)}},
		{"narrower deny range inside an allow range stays",
			[]Entry{ent(pod, 6, 1024, 6, Allow, 1), ent(pod, 6, 1536, 8, Deny, 2)},
			[]Entry{ent(pod, 6, 1024, 6, Allow, 1), ent(pod, 6, 1536, 8, Deny, 2)}},
		{"other identity is not covered",
			[]Entry{ent(secid.Any, 0, 0, 0, Allow, 1), ent(pod, 6, 80, 16, Allow, 2)},
			[]Entry{ent(secid.Any, 0, 0, 0, Allow, 1), ent(pod, 6, 80, 16, Allow, 2)}},
		{"other direction is not covered",
			[]Entry{out(ent(pod, 6, 80, 16, Allow, 2)), ent(pod, 0, 0, 0, Allow, 1)},
			[]Entry{ent(pod, 0, 0, 0, Allow, 1), out(ent(pod, 6, 80, 16, Allow, 2))}},
		{"chain: the strongest shortest prefix wins it all",
			[]Entry{ent(pod, 0, 0, 0, Deny, 1), ent(pod, 6, 0, 0, Allow, 2), ent(pod, 6, 80, 16, Deny, 3)},
			[]Entry{ent(pod, 0, 0, 0, Deny, 1)}},
		{"chain: verdicts grow stronger along what stays",
			[]Entry{ent(pod, 0, 0, 0, Allow, 1), ent(pod, 6, 0, 0, Audit, 2), ent(pod, 6, 80, 16, Deny, 3), ent(pod, 6, 443, 16, Allow, 4), ent(pod, 6, 444, 16, Audit, 5)},
			[]Entry{ent(pod, 0, 0, 0, Allow, 1), ent(pod, 6, 0, 0, Audit, 2), ent(pod, 6, 80, 16, Deny, 3)}},
		{"canonical: ports masked to their prefix",
			[]Entry{ent(pod, 6, 81, 15, Allow, 1), ent(pod, 6, 80, 15, Allow, 1)},
			[]Entry{ent(pod, 6, 80, 15, Allow, 1)}},
		{"canonical: every protocol has no port",
			[]Entry{ent(pod, 0, 80, 16, Allow, 1)},
			[]Entry{ent(pod, 0, 0, 0, Allow, 1)}},
		{"canonical: prefix capped at 16",
			[]Entry{ent(pod, 6, 80, 30, Allow, 1)},
			[]Entry{ent(pod, 6, 80, 16, Allow, 1)}},
		{"no verdict: dropped, not hiding the shorter entry",
			[]Entry{ent(pod, 6, 0, 0, Allow, 1), ent(pod, 6, 80, 16, 0, 2)},
			[]Entry{ent(pod, 6, 0, 0, Allow, 1)}},
		{"same key: redirect beats allow, audit beats redirect",
			[]Entry{ent(pod, 6, 80, 16, Allow, 1), redirect(ent(pod, 6, 80, 16, Redirect, 2), 15008), ent(pod, 6, 443, 16, Audit, 3), redirect(ent(pod, 6, 443, 16, Redirect, 4), 15008)},
			[]Entry{redirect(ent(pod, 6, 80, 16, Redirect, 2), 15008), ent(pod, 6, 443, 16, Audit, 3)}},
		{"same key, two proxies: the higher port stays",
			[]Entry{redirect(ent(pod, 6, 80, 16, Redirect, 1), 15001), redirect(ent(pod, 6, 80, 16, Redirect, 2), 15008)},
			[]Entry{redirect(ent(pod, 6, 80, 16, Redirect, 2), 15008)}},
		{"redirect covers a narrower redirect to the same proxy and an allow",
			[]Entry{redirect(ent(pod, 6, 0, 0, Redirect, 1), 15008), redirect(ent(pod, 6, 80, 16, Redirect, 2), 15008), ent(pod, 6, 443, 16, Allow, 3)},
			[]Entry{redirect(ent(pod, 6, 0, 0, Redirect, 1), 15008)}},
		{"a narrower redirect to another proxy stays: it picks the proxy",
			[]Entry{redirect(ent(pod, 0, 0, 0, Redirect, 1), 15008), redirect(ent(pod, 6, 80, 16, Redirect, 2), 15001)},
			[]Entry{redirect(ent(pod, 0, 0, 0, Redirect, 1), 15008), redirect(ent(pod, 6, 80, 16, Redirect, 2), 15001)}},
		{"the longest covering redirect decides, not a shorter one",
			[]Entry{redirect(ent(pod, 0, 0, 0, Redirect, 1), 15008), redirect(ent(pod, 6, 0, 0, Redirect, 2), 15001), redirect(ent(pod, 6, 80, 16, Redirect, 3), 15008)},
			[]Entry{redirect(ent(pod, 0, 0, 0, Redirect, 1), 15008), redirect(ent(pod, 6, 0, 0, Redirect, 2), 15001), redirect(ent(pod, 6, 80, 16, Redirect, 3), 15008)}},
		{"canonical: only redirects keep a proxy port",
			[]Entry{redirect(ent(pod, 6, 80, 16, Allow, 1), 15008)},
			[]Entry{ent(pod, 6, 80, 16, Allow, 1)}},
		{"sorted by key",
			[]Entry{ent(pod+1, 6, 80, 16, Allow, 1), ent(pod, 17, 53, 16, Allow, 1), ent(pod, 6, 443, 16, Allow, 1), ent(pod, 6, 80, 16, Allow, 1)},
			[]Entry{ent(pod, 6, 80, 16, Allow, 1), ent(pod, 6, 443, 16, Allow, 1), ent(pod, 17, 53, 16, Allow, 1), ent(pod+1, 6, 80, 16, Allow, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Normalize =\n%+v\nwant\n%+v", got, tt.want)
			}
			if again := Normalize(got); !slices.Equal(again, got) {
				t.Errorf("Normalize is not idempotent: %+v", again)
			}
		})
	}
}

func redirect(e Entry, proxy uint16) Entry {
	e.ProxyPort = proxy
	return e
}

// TestNormalizeLongestIsStrongest checks the invariant on random entry
// sets: at every point, the longest match among the normalised entries
// has the strongest verdict of all the original entries that match and,
// for a redirect, the proxy of the most specific of them (of equal keys,
// the highest port).
func TestNormalizeLongestIsStrongest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	protocols := []uint8{0, protoTCP, protoUDP}
	prefixes := []uint8{0, 10, 12, 14, 15, 16}
	verdicts := []Verdict{Allow, Audit, Deny, Redirect, Redirect}
	for range 1000 {
		var entries []Entry
		for range 1 + r.IntN(12) {
			e := Entry{
				Direction:  Direction(r.IntN(2)),
				Identity:   []secid.ID{secid.Any, pod}[r.IntN(2)],
				Protocol:   protocols[r.IntN(len(protocols))],
				Port:       uint16(r.IntN(128)),
				PortPrefix: prefixes[r.IntN(len(prefixes))],
				Verdict:    verdicts[r.IntN(len(verdicts))],
				Rule:       RuleID(r.IntN(4)),
			}
			if e.Verdict == Redirect {
				e.ProxyPort = []uint16{15001, 15008}[r.IntN(2)]
			}
			entries = append(entries, e)
		}
		norm := Normalize(entries)
		for _, dir := range []Direction{Ingress, Egress} {
			for _, id := range []secid.ID{secid.Any, pod} {
				for _, protocol := range []uint8{protoTCP, protoUDP, protoSCTP} {
					for port := range uint16(160) {
						var want Entry // the strongest, most specific, highest proxy
						for _, e := range entries {
							e = canonical(e)
							if e.Direction != dir || e.Identity != id || !e.matches(protocol, port) {
								continue
							}
							if c := cmp.Or(cmp.Compare(e.Verdict.Rank(), want.Verdict.Rank()), cmp.Compare(e.matchBits(), want.matchBits()), cmp.Compare(e.ProxyPort, want.ProxyPort)); c > 0 {
								want = e
							}
						}
						var got Entry
						if e := longestMatch(norm, dir, id, protocol, port); e != nil {
							got = *e
						}
						if got.Verdict.Rank() != want.Verdict.Rank() || got.ProxyPort != want.ProxyPort {
							t.Fatalf("%v %v %d/%d: longest match %+v, want verdict %v proxy %d\nentries %+v\nnormalised %+v", dir, id, protocol, port, got, want.Verdict, want.ProxyPort, entries, norm)
						}
					}
				}
			}
		}
	}
}
