package inspect

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/zeta-net/zeta/policy/secid"
)

// IdentityUsage is an identity and how many IP cache prefixes map to it.
type IdentityUsage struct {
	Identity
	IPCacheEntries int `json:"ipcache_entries"`
}

// IdentityList is the output of Identities.
type IdentityList []IdentityUsage

// Identities lists the reserved identities, those in identities.json and
// any other that the IP cache maps to, by number.
func (n Node) Identities() (IdentityList, error) {
	ids, err := n.identities()
	if err != nil {
		return nil, err
	}
	prefixes, err := n.ipcache()
	if err != nil {
		return nil, err
	}
	count := map[uint32]int{}
	for _, id := range prefixes {
		count[id]++
	}
	listed := func(id secid.ID) {
		if _, ok := count[uint32(id)]; !ok {
			count[uint32(id)] = 0
		}
	}
	for _, id := range []secid.ID{secid.Host, secid.World, secid.Unmanaged} {
		listed(id)
	}
	for id := range ids {
		listed(id)
	}
	out := IdentityList{}
	for id, c := range count {
		out = append(out, IdentityUsage{Identity: ids.describe(id), IPCacheEntries: c})
	}
	slices.SortFunc(out, func(a, b IdentityUsage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Tables implements Tabler.
func (l IdentityList) Tables() []Table {
	t := Table{Header: []string{"ID", "NAME", "NAMESPACE", "LABELS", "NAMESPACE LABELS", "IPCACHE"}}
	for _, i := range l {
		t.Rows = append(t.Rows, []string{
			strconv.FormatUint(uint64(i.ID), 10), i.Name, i.Namespace, i.labelsCell(),
			labelsCell(i.NamespaceLabels), strconv.Itoa(i.IPCacheEntries),
		})
	}
	return []Table{t}
}
