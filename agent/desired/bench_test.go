package desired

import (
	"fmt"
	"net/netip"
	"strconv"
	"syscall"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/policy/secid"
)

// benchCluster is a synthetic cluster: namespaces of 100 pods, each pod
// one of 10 apps (so 10 identities per namespace) serving a named port,
// spread over nodes of 100 pods; node n0 is the one computed. Policies
// spread over the namespaces and apps: each NetworkPolicy selects one app
// and admits another app of its namespace on a numbered port and a third
// app of every namespace on the named port; every 20th also allows egress
// to an external /24 and every 50th to its namespace's pod /16 except one
// /24 (so pods get CIDR memberships); every 10th policy is a
// ZeroTrustPolicy denying one app of another namespace.
func benchCluster(pods, policies int) *Cluster {
	c := NewCluster()
	namespaces := pods / 100
	for n := range namespaces {
		ns := "ns" + strconv.Itoa(n)
		c.Namespaces[ns] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": "t" + strconv.Itoa(n%5)}}}
	}
	for i := range pods {
		ns, n := "ns"+strconv.Itoa(i/100), i%100
		p := pod(ns, "p"+strconv.Itoa(n), "n"+strconv.Itoa(i%(pods/100)), fmt.Sprintf("10.%d.%d.%d", i/100, n/10, n%10+2), map[string]string{"app": "app" + strconv.Itoa(n/10)})
		p.Spec.Containers = []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}
		c.Pods[ns+"/"+p.Name] = p
	}
	app := func(k int) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "app" + strconv.Itoa(k%10)}}
	}
	for k := range policies {
		n, a := k%namespaces, k/namespaces
		ns := "ns" + strconv.Itoa(n)
		name := "p" + strconv.Itoa(k)
		if k%10 == 9 {
			c.ZeroTrustPolicies[ns+"/"+name] = &v1alpha1.ZeroTrustPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: v1alpha1.ZeroTrustPolicySpec{Selector: *app(a), Ingress: []v1alpha1.Rule{{
					Action: v1alpha1.ActionDeny,
					From:   []v1alpha1.Peer{{PodSelector: app(a + 3), NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ns" + strconv.Itoa((n+1)%namespaces)}}}},
				}}},
			}
			continue
		}
		port := intstr.FromInt32(int32(8000 + k%100))
		named := intstr.FromString("http")
		np := &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: *app(a),
				Ingress: []networkingv1.NetworkPolicyIngressRule{
					{From: []networkingv1.NetworkPolicyPeer{{PodSelector: app(a + 1)}}, Ports: []networkingv1.NetworkPolicyPort{{Port: &port}}},
					{From: []networkingv1.NetworkPolicyPeer{{PodSelector: app(a + 2 + k%7), NamespaceSelector: &metav1.LabelSelector{}}}, Ports: []networkingv1.NetworkPolicyPort{{Port: &named}}},
				},
			},
		}
		switch {
		case k%50 == 0:
			np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{
				CIDR: fmt.Sprintf("10.%d.0.0/16", n), Except: []string{fmt.Sprintf("10.%d.0.0/24", n)}}}}}}
		case k%20 == 0:
			np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{
				CIDR: fmt.Sprintf("192.168.%d.0/24", k/20%256)}}}}}
		}
		c.NetworkPolicies[ns+"/"+name] = np
	}
	return c
}

// BenchmarkCompute measures computing node n0's state: from scratch
// (cold), again with nothing changed (warm), and after one policy or one
// pod changed (a replica replaced, or a pod relabelled to an identity no
// policy selects), the latency from a change to the maps to write (writing
// them is separate). It reports the node's endpoints and, per endpoint,
// its policy entries and their bytes of key and value.
func BenchmarkCompute(b *testing.B) {
	for _, size := range []struct{ pods, policies int }{{1000, 1000}, {5000, 10000}} {
		c := benchCluster(size.pods, size.policies)
		local := 0
		resolveLocal := func(netip.Addr) (int, error) { local++; return local, nil }
		cfg := testConfig
		cfg.Node = "n0"
		newComputer := func(b *testing.B) *Computer {
			ids, err := secid.NewAllocator("")
			if err != nil {
				b.Fatal(err)
			}
			return NewComputer(cfg, ids)
		}
		compute := func(b *testing.B, comp *Computer) *State {
			local = 0
			d, err := comp.Compute(c, nil, resolveLocal)
			if err != nil {
				b.Fatal(err)
			}
			return d
		}
		report := func(b *testing.B, d *State) {
			eps := float64(len(d.Endpoints))
			entry := float64(unsafe.Sizeof(policymap.Key{}) + unsafe.Sizeof(policymap.Value{}))
			b.ReportMetric(eps, "endpoints")
			b.ReportMetric(float64(len(d.Policy))/eps, "entries/endpoint")
			b.ReportMetric(float64(len(d.Policy))*entry/eps, "bytes/endpoint")
			b.ReportMetric(float64(len(d.Snapshot.Identities)), "identities")
		}
		prefix := fmt.Sprintf("pods=%d/policies=%d/", size.pods, size.policies)
		// loop runs body b.N times and reports the CPU time it took per
		// operation: wall time on a shared machine says little.
		loop := func(b *testing.B, body func(i int)) {
			b.ReportAllocs()
			start := cpuTime(b)
			i := 0
			for b.Loop() {
				body(i)
				i++
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
		}

		b.Run(prefix+"cold", func(b *testing.B) {
			var d *State
			loop(b, func(int) { d = compute(b, newComputer(b)) })
			report(b, d)
		})
		b.Run(prefix+"warm", func(b *testing.B) {
			comp := newComputer(b)
			compute(b, comp)
			loop(b, func(int) { compute(b, comp) })
		})
		b.Run(prefix+"policy-change", func(b *testing.B) {
			comp := newComputer(b)
			compute(b, comp)
			key := "ns0/p0"
			orig := c.NetworkPolicies[key]
			defer func() { c.NetworkPolicies[key] = orig }()
			loop(b, func(i int) {
				np := orig.DeepCopy()
				port := intstr.FromInt32(int32(9000 + i%1000))
				np.Spec.Ingress[0].Ports[0].Port = &port
				c.NetworkPolicies[key] = np
				compute(b, comp)
			})
		})
		for _, change := range []struct {
			name   string
			mutate func(p *corev1.Pod, i int)
		}{
			// A replacement of one replica: same labels, new address.
			{"pod-change", func(p *corev1.Pod, i int) { p.Status.PodIP = fmt.Sprintf("10.200.%d.%d", i/250%250, i%250+1) }},
			// A relabelled pod: an identity no policy selects.
			{"identity-change", func(p *corev1.Pod, i int) { p.Labels = map[string]string{"app": "canary" + strconv.Itoa(i%2)} }},
		} {
			b.Run(prefix+change.name, func(b *testing.B) {
				comp := newComputer(b)
				compute(b, comp)
				key := "ns1/p7"
				orig := c.Pods[key]
				defer func() { c.Pods[key] = orig }()
				loop(b, func(i int) {
					p := orig.DeepCopy()
					change.mutate(p, i)
					c.Pods[key] = p
					compute(b, comp)
				})
			})
		}
	}
}

// cpuTime is the process's user and system time so far, in nanoseconds.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
