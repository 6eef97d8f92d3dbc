package desired

import (
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/policy"
)

// intercepts fills d.Intercept with the TCP ports of every pod of the
// cluster, not only the local ones, at which the pod's ingress policy
// redirects some peer to a proxy: a local pod may connect to any of them,
// and this node's datapath then steers the connection into its proxy.
// Port ranges stay the power-of-two prefixes the policy entries have, as
// the map is a trie. Without a redirecting policy no pod is compiled.
func (c *Computer) intercepts(d *State, pods []*workload) error {
	if !c.comp.Redirects() {
		return nil
	}
	for _, w := range pods {
		ep, err := c.comp.Compile(policy.Endpoint{Identity: w.Identity, Pod: w.pod})
		if err != nil {
			return err
		}
		for _, in := range c.comp.Intercepts(ep) {
			e := interceptmap.Entry{Protocol: bpf.ProtoTCP, Port: in.Port, PortPrefix: in.PortPrefix, ProxyPort: in.ProxyPort}
			if in.MutualTLS {
				e.Flags |= interceptmap.MutualTLS
			}
			if in.L7 {
				e.Flags |= interceptmap.L7
			}
			for _, ip := range w.IPs {
				e.Addr = ip
				k, v := interceptmap.KeyOf(e)
				d.Intercept[k] = v
			}
		}
	}
	return nil
}
