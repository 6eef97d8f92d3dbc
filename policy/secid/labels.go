package secid

import (
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// Labels is what an identity stands for: the security-relevant part of a
// pod, or a range of addresses outside the cluster's pods (a CIDR
// identity, which has no namespace).
type Labels struct {
	Namespace       string
	Pod             map[string]string
	NamespaceLabels map[string]string
	// ServiceAccount is the pod's service account: SPIFFE principals name
	// workloads by namespace and service account.
	ServiceAccount string `json:",omitempty"`
	// NamedPorts is a signature of the pod's named container ports, set
	// only while some policy allows egress to a named port: a named port
	// resolves on each destination pod, and an identity's entries can be
	// exact only if all its pods name the same ports.
	NamedPorts string `json:",omitempty"`
	// CIDRs are the prefixes named by policies that contain the addresses
	// the identity stands for, in CIDRSet order: ipBlocks select by them.
	// A pod's addresses of different families have different memberships
	// and so different identities.
	CIDRs []string `json:",omitempty"`
}

// IsCIDR reports whether l stands for addresses rather than a pod.
func (l Labels) IsCIDR() bool { return l.Namespace == "" }

// InCIDR reports whether the identity's addresses are inside the policy
// prefix cidr, given in CIDRSet's canonical form.
func (l Labels) InCIDR(cidr string) bool { return slices.Contains(l.CIDRs, cidr) }

// Key is a canonical string for the label set; equal sets have equal keys.
// It is the key of the set without its CIDRs followed by CIDRsKey(CIDRs),
// so that a caller numbering each address of a pod builds it cheaply.
func (l Labels) Key() string {
	var b strings.Builder
	b.WriteString("ns=")
	b.WriteString(l.Namespace)
	if l.ServiceAccount != "" {
		b.WriteString(";sa=")
		b.WriteString(l.ServiceAccount)
	}
	if l.NamedPorts != "" {
		b.WriteString(";ports=")
		b.WriteString(l.NamedPorts)
	}
	write := func(prefix string, m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			b.WriteString(";")
			b.WriteString(prefix)
			b.WriteString(k)
			b.WriteString("=")
			b.WriteString(m[k])
		}
	}
	write("pod:", l.Pod)
	write("nslabel:", l.NamespaceLabels)
	b.WriteString(CIDRsKey(l.CIDRs))
	return b.String()
}

// CIDRsKey is what CIDR memberships add to a label set's Key.
func CIDRsKey(cidrs []string) string {
	var b strings.Builder
	for _, c := range cidrs {
		b.WriteString(";cidr:")
		b.WriteString(c)
	}
	return b.String()
}

// PodSet returns the pod labels for selector matching.
func (l Labels) PodSet() labels.Set { return labels.Set(l.Pod) }

// NamespaceSet returns the namespace labels for selector matching, with
// kubernetes.io/metadata.name set as the API server sets it.
func (l Labels) NamespaceSet() labels.Set {
	s := labels.Set{"kubernetes.io/metadata.name": l.Namespace}
	maps.Copy(s, l.NamespaceLabels)
	return s
}

// Filter keeps the labels that decide security: include, when non-empty,
// lists the only keys kept; exclude drops keys (pod-template-hash, say) that
// would otherwise give every rollout a new identity. Entries ending in "*"
// match a key prefix.
type Filter struct {
	Include []string
	Exclude []string
}

// DefaultFilter drops the labels that controllers stamp on pods and that no
// policy should select on.
var DefaultFilter = Filter{Exclude: []string{
	"pod-template-hash",
	"controller-revision-hash",
	"pod-template-generation",
	"statefulset.kubernetes.io/pod-name",
	"batch.kubernetes.io/controller-uid",
	"controller-uid",
}}

// Apply returns the labels of m that the filter keeps.
func (f Filter) Apply(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if len(f.Include) > 0 && !matchAny(f.Include, k) {
			continue
		}
		if matchAny(f.Exclude, k) {
			continue
		}
		out[k] = v
	}
	return out
}

func matchAny(patterns []string, key string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(key, prefix) {
				return true
			}
		} else if p == key {
			return true
		}
	}
	return false
}
