package policy

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy/secid"
)

// podNames are the test cluster's pods, namespace/name, in matrix order.
var podNames = []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"}

var testTrustDomain = spiffeid.RequireTrustDomainFromString("cluster.local")

// cluster is the upstream e2e test cluster: namespaces x, y, z labelled
// ns=<name>, each with pods a, b, c labelled pod=<name> (c also tier=db).
// Pods b run as service account "b", the others as "default". Pods a and b
// name their ports differently, c names its port in a sidecar and has a
// plain init container whose port must not count. Pod n of namespace m
// (both counted from 1) has the addresses 10.0.m.n and fd00:0:0:m::n.
//
// Without policy CIDRs a pod has one identity, ids[name]; identities are
// numbered by label set across the cluster's worlds, so those stay.
type cluster struct {
	pods  map[string]*corev1.Pod
	ips   map[string][2]netip.Addr
	base  map[string]secid.Labels
	ids   map[string]secid.ID
	alloc map[string]secid.ID // by Labels.Key
}

func newCluster() *cluster {
	c := &cluster{pods: map[string]*corev1.Pod{}, ips: map[string][2]netip.Addr{}, base: map[string]secid.Labels{},
		ids: map[string]secid.ID{}, alloc: map[string]secid.ID{}}
	always := corev1.ContainerRestartPolicyAlways
	for i, name := range podNames {
		ns, pod := name[:1], name[2:]
		labels := map[string]string{"pod": pod}
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pod, Labels: labels}}
		sa := "default"
		switch pod {
		case "a":
			p.Spec.Containers = []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{
				{Name: "http", ContainerPort: 80},
				{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
			}}}
		case "b":
			sa = "b"
			p.Spec.Containers = []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{
				{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			}}}
		case "c":
			labels["tier"] = "db"
			p.Spec.Containers = []corev1.Container{{Name: "app"}}
			p.Spec.InitContainers = []corev1.Container{
				{Name: "setup", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 7070}}},
				{Name: "proxy", RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090}}},
			}
		}
		p.Spec.ServiceAccountName = sa
		c.pods[name] = p
		m, n := i/3+1, i%3+1
		c.ips[name] = [2]netip.Addr{
			netip.MustParseAddr(fmt.Sprintf("10.0.%d.%d", m, n)),
			netip.MustParseAddr(fmt.Sprintf("fd00:0:0:%d::%d", m, n)),
		}
		c.base[name] = secid.Labels{Namespace: ns, Pod: labels, NamespaceLabels: map[string]string{"ns": ns}, ServiceAccount: sa}
		c.ids[name] = c.number(c.base[name])
	}
	return c
}

// number returns the identity of a label set, numbering new ones.
func (c *cluster) number(l secid.Labels) secid.ID {
	k := l.Key()
	if id, ok := c.alloc[k]; ok {
		return id
	}
	id := secid.MinPod + secid.ID(len(c.alloc))
	c.alloc[k] = id
	return id
}

// testInput is what a world is built from.
type testInput struct {
	Policies
	Options
}

// input is the cluster's state with NetworkPolicies.
func (c *cluster) input(nps ...*networkingv1.NetworkPolicy) testInput {
	return testInput{Policies: Policies{NetworkPolicies: nps}, Options: Options{TrustDomain: testTrustDomain}}
}

// world is the cluster under one set of policies, as agent/desired builds
// it: CIDR identities for the prefixes the policies name, and identities of
// pods' addresses with their memberships.
type world struct {
	c     *cluster
	comp  *Compiler
	ids   map[string][2]secid.ID // by pod, by family
	cidrs map[string]secid.ID    // CIDR identities by member
}

func (c *cluster) world(t testing.TB, in testInput) *world {
	t.Helper()
	w := &world{c: c, comp: NewCompiler(in.Options), ids: map[string][2]secid.ID{}, cidrs: map[string]secid.ID{}}
	w.comp.SetPolicies(in.Policies)
	set := secid.NewCIDRSet(w.comp.CIDRs())
	identities := map[secid.ID]secid.Labels{}
	for _, name := range podNames {
		var ids [2]secid.ID
		for f, ip := range c.ips[name] {
			l := c.base[name]
			l.CIDRs = set.Containing(netip.PrefixFrom(ip, ip.BitLen()))
			ids[f] = c.number(l)
			identities[ids[f]] = l
		}
		w.ids[name] = ids
	}
	for _, m := range set.Members() {
		l := set.Labels(m)
		w.cidrs[m.String()] = c.number(l)
		identities[c.number(l)] = l
	}
	var pods []*corev1.Pod
	for _, name := range podNames {
		pods = append(pods, c.pods[name])
	}
	w.comp.SetPeers(Peers{Identities: identities, Pods: pods, IdentitiesOf: func(p *corev1.Pod) []secid.ID {
		ids := w.ids[p.Namespace+"/"+p.Name]
		return ids[:]
	}})
	return w
}

// compile compiles the endpoint policy of pod name, failing t on error.
func (w *world) compile(t testing.TB, name string) EndpointPolicy {
	t.Helper()
	ep, err := w.comp.Compile(Endpoint{Identity: w.ids[name][0], Pod: w.c.pods[name]})
	if err != nil {
		t.Fatalf("Compile(%s): %v", name, err)
	}
	return ep
}

// compile compiles pod name's policy in the world of in.
func (c *cluster) compile(t testing.TB, in testInput, name string) EndpointPolicy {
	t.Helper()
	return c.world(t, in).compile(t, name)
}

// allowed lists the peers, pods by name then "world" and "host", that ep
// lets through in dir on (protocol, port), as the pods' identities are
// without policy CIDRs.
func (c *cluster) allowed(ep EndpointPolicy, dir Direction, protocol uint8, port uint16) []string {
	var out []string
	check := func(name string, id secid.ID) {
		if Evaluate(ep, dir, id, protocol, port).Verdict == Allow {
			out = append(out, name)
		}
	}
	for _, name := range podNames {
		check(name, c.ids[name])
	}
	check("world", secid.World)
	check("host", secid.Host)
	return out
}

// allowed lists the peers that ep lets through in dir on (protocol,
// port): pods by name, or "name(v4)", "name(v6)" when only the address of
// one family passes, then the CIDR identities by prefix, "world" and
// "host". Redirected connections pass.
func (w *world) allowed(ep EndpointPolicy, dir Direction, protocol uint8, port uint16) []string {
	passes := func(id secid.ID) bool {
		v := Evaluate(ep, dir, id, protocol, port).Verdict
		return v == Allow || v == Redirect
	}
	var out []string
	for _, name := range podNames {
		v4, v6 := passes(w.ids[name][0]), passes(w.ids[name][1])
		switch {
		case v4 && v6:
			out = append(out, name)
		case v4:
			out = append(out, name+"(v4)")
		case v6:
			out = append(out, name+"(v6)")
		}
	}
	for _, m := range slices.Sorted(maps.Keys(w.cidrs)) {
		if passes(w.cidrs[m]) {
			out = append(out, m)
		}
	}
	if passes(secid.World) {
		out = append(out, "world")
	}
	if passes(secid.Host) {
		out = append(out, "host")
	}
	return out
}

// policy decodes a NetworkPolicy written in YAML, strictly so that a typo
// in a test cannot silently drop a field. Quote the namespace label "y":
// YAML 1.1 reads a bare y as true.
func policy(t testing.TB, doc string) *networkingv1.NetworkPolicy {
	t.Helper()
	np := &networkingv1.NetworkPolicy{}
	if err := yaml.UnmarshalStrict([]byte(doc), np); err != nil {
		t.Fatalf("decode policy: %v\n%s", err, doc)
	}
	return np
}

// policies decodes several policies.
func policies(t testing.TB, docs ...string) []*networkingv1.NetworkPolicy {
	t.Helper()
	out := make([]*networkingv1.NetworkPolicy, 0, len(docs))
	for _, d := range docs {
		out = append(out, policy(t, d))
	}
	return out
}

// ztp decodes a ZeroTrustPolicy, strictly.
func ztp(t testing.TB, doc string) *v1alpha1.ZeroTrustPolicy {
	t.Helper()
	p := &v1alpha1.ZeroTrustPolicy{}
	if err := yaml.UnmarshalStrict([]byte(doc), p); err != nil {
		t.Fatalf("decode ZeroTrustPolicy: %v\n%s", err, doc)
	}
	return p
}

// cztp decodes a ClusterZeroTrustPolicy, strictly.
func cztp(t testing.TB, doc string) *v1alpha1.ClusterZeroTrustPolicy {
	t.Helper()
	p := &v1alpha1.ClusterZeroTrustPolicy{}
	if err := yaml.UnmarshalStrict([]byte(doc), p); err != nil {
		t.Fatalf("decode ClusterZeroTrustPolicy: %v\n%s", err, doc)
	}
	return p
}
