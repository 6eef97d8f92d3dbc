package desired

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
)

// IngressRules returns the rules of the last Compute that apply to
// connections to w's TCP port, with their peers resolved, and whether
// ingress is enforced for w: what the mutual-TLS tunnel authorizes a
// peer's SPIFFE ID against. pod is w's pod object. Like Compute, it is not
// safe for concurrent use; call it after Compute, from the same goroutine.
func (c *Computer) IngressRules(w *Workload, pod *corev1.Pod, port uint16) ([]policy.AppliedRule, bool, error) {
	return c.comp.RulesAt(policy.Endpoint{Identity: w.Identity, Pod: pod}, policy.Ingress, bpf.ProtoTCP, port)
}
