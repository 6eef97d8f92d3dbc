package spire

import (
	"maps"
	"slices"
	"strings"

	"github.com/zeta-net/zeta/identity"
)

// Selector is a SPIRE selector: the attestor's type and its value, as in
// k8s:ns:prod (type "k8s", value "ns:prod").
type Selector struct {
	Type, Value string
}

func (s Selector) String() string { return s.Type + ":" + s.Value }

// K8sSelectors are the selectors SPIRE's k8s workload attestor would
// produce for the workload's pod: namespace, service account, pod name,
// pod UID and one per label. Empty fields produce no selector.
func K8sSelectors(w identity.Workload) []Selector {
	var out []Selector
	add := func(kind, v string) {
		if v != "" {
			out = append(out, Selector{Type: "k8s", Value: kind + ":" + v})
		}
	}
	add("ns", w.Namespace)
	add("sa", w.ServiceAccount)
	add("pod-name", w.PodName)
	add("pod-uid", w.PodUID)
	for _, k := range slices.Sorted(maps.Keys(w.Labels)) {
		add("pod-label", k+":"+w.Labels[k])
	}
	return out
}

// key identifies a selector set regardless of order.
func key(sel []Selector) string {
	s := make([]string, len(sel))
	for i, x := range sel {
		s[i] = x.String()
	}
	slices.Sort(s)
	return strings.Join(s, "\n")
}
