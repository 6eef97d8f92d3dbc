package inspect

import (
	"net/netip"
	"slices"

	"github.com/zeta-net/zeta/bpf/maps/ipcache"
)

// IPCacheEntry is one prefix and the identity behind it.
type IPCacheEntry struct {
	Prefix   netip.Prefix `json:"prefix"`
	Identity Identity     `json:"identity"`
}

// IPCacheList is the output of IPCache.
type IPCacheList []IPCacheEntry

// IPCache lists both IP caches, IPv4 first, by prefix.
func (n Node) IPCache() (IPCacheList, error) {
	ids, err := n.identities()
	if err != nil {
		return nil, err
	}
	prefixes, err := n.ipcache()
	if err != nil {
		return nil, err
	}
	out := IPCacheList{}
	for p, id := range prefixes {
		out = append(out, IPCacheEntry{Prefix: p, Identity: ids.describe(id)})
	}
	slices.SortFunc(out, func(a, b IPCacheEntry) int { return a.Prefix.Compare(b.Prefix) })
	return out, nil
}

// ipcache reads both tries.
func (n Node) ipcache() (map[netip.Prefix]uint32, error) {
	v4, err := n.openMap(mapIPCache4)
	if err != nil {
		return nil, err
	}
	defer v4.Close()
	v6, err := n.openMap(mapIPCache6)
	if err != nil {
		return nil, err
	}
	defer v6.Close()
	return ipcache.New(v4, v6).List()
}

// Tables implements Tabler.
func (l IPCacheList) Tables() []Table {
	t := Table{Header: []string{"PREFIX", "IDENTITY", "NAMESPACE", "LABELS"}}
	for _, e := range l {
		t.Rows = append(t.Rows, []string{e.Prefix.String(), e.Identity.cell(), e.Identity.Namespace, e.Identity.labelsCell()})
	}
	return []Table{t}
}
