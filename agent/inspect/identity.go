package inspect

import (
	"github.com/zeta-net/zeta/agent/statedir"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/zeta-net/zeta/policy/secid"
)

// Identity is a security identity with what it stands for.
type Identity struct {
	ID uint32 `json:"id"`
	// Name names a reserved identity ("reserved:host"); pods' identities
	// have none.
	Name            string            `json:"name,omitempty"`
	Namespace       string            `json:"namespace,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	NamespaceLabels map[string]string `json:"namespace_labels,omitempty"`
	// Unknown is set for a pod identity the agent's identities.json does
	// not list (a stale map entry, or another state directory).
	Unknown bool `json:"unknown,omitempty"`
}

// cell shows the identity in a table: its name or its number.
func (i Identity) cell() string {
	if i.Name != "" {
		return i.Name
	}
	return strconv.FormatUint(uint64(i.ID), 10)
}

// labelsCell shows the labels that select the identity.
func (i Identity) labelsCell() string {
	if i.Unknown {
		return "(not in " + statedir.Identities + ")"
	}
	return labelsCell(i.Labels)
}

// labelsCell shows labels as sorted key=value pairs.
func labelsCell(l map[string]string) string {
	pairs := make([]string, 0, len(l))
	for _, k := range slices.Sorted(maps.Keys(l)) {
		pairs = append(pairs, k+"="+l[k])
	}
	return strings.Join(pairs, ",")
}

// identities are the label sets the agent numbered, from its state file.
type identities map[secid.ID]secid.Labels

// identities reads identities.json; a missing file is an empty set.
func (n Node) identities() (identities, error) {
	a, err := secid.NewAllocator(filepath.Join(n.StateDir, statedir.Identities))
	if err != nil {
		return nil, err
	}
	return a.All(), nil
}

// describe names id and, for a pod identity, its labels.
func (ids identities) describe(id uint32) Identity {
	sid := secid.ID(id)
	if sid.Reserved() {
		return Identity{ID: id, Name: sid.String()}
	}
	l, ok := ids[sid]
	if !ok {
		return Identity{ID: id, Unknown: true}
	}
	return Identity{ID: id, Namespace: l.Namespace, Labels: l.Pod, NamespaceLabels: l.NamespaceLabels}
}
