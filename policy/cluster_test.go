package policy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/zeta-net/zeta/policy/secid"
)

// podNames are the test cluster's pods, namespace/name, in matrix order.
var podNames = []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"}

// cluster is the upstream e2e test cluster: namespaces x, y, z labelled
// ns=<name>, each with pods a, b, c labelled pod=<name> (c also tier=db),
// one identity per pod. Pods a and b name their ports differently, c names
// its port in a sidecar and has a plain init container whose port must not
// count.
type cluster struct {
	pods       map[string]*corev1.Pod
	ids        map[string]secid.ID
	identities map[secid.ID]secid.Labels
}

func newCluster() *cluster {
	c := &cluster{pods: map[string]*corev1.Pod{}, ids: map[string]secid.ID{}, identities: map[secid.ID]secid.Labels{}}
	always := corev1.ContainerRestartPolicyAlways
	for i, name := range podNames {
		ns, pod := name[:1], name[2:]
		labels := map[string]string{"pod": pod}
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pod, Labels: labels}}
		switch pod {
		case "a":
			p.Spec.Containers = []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{
				{Name: "http", ContainerPort: 80},
				{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
			}}}
		case "b":
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
		id := secid.MinPod + secid.ID(i)
		c.pods[name] = p
		c.ids[name] = id
		c.identities[id] = secid.Labels{Namespace: ns, Pod: labels, NamespaceLabels: map[string]string{"ns": ns}}
	}
	return c
}

// input is the cluster's state with policies.
func (c *cluster) input(policies ...*networkingv1.NetworkPolicy) Input {
	in := Input{NetworkPolicies: policies, Identities: c.identities}
	for _, name := range podNames {
		in.Pods = append(in.Pods, c.pods[name])
	}
	in.IdentityOf = func(p *corev1.Pod) (secid.ID, bool) {
		id, ok := c.ids[p.Namespace+"/"+p.Name]
		return id, ok
	}
	return in
}

// compile compiles the endpoint policy of pod name, failing t on error.
func (c *cluster) compile(t testing.TB, in Input, name string) EndpointPolicy {
	t.Helper()
	ep, err := Compile(in, c.pods[name])
	if err != nil {
		t.Fatalf("Compile(%s): %v", name, err)
	}
	return ep
}

// allowed lists the peers, pods by name then "world" and "host", that ep
// lets through in dir on (protocol, port).
func (c *cluster) allowed(ep EndpointPolicy, dir Direction, protocol uint8, port uint16) []string {
	var out []string
	check := func(name string, id secid.ID) {
		if v, _ := Evaluate(ep, dir, id, protocol, port); v == Allow {
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
