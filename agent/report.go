package agent

import (
	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/source"
)

// report passes the verdicts on the cluster's Zeta policies to the source,
// if it takes them.
func (a *Agent) report(c *desired.Cluster, invalid map[string]error, warnings map[string][]string) {
	if a.reporter != nil {
		a.reporter.Report(Verdicts(c, invalid, warnings))
	}
}

// Verdicts are the verdicts on every ZeroTrustPolicy and
// ClusterZeroTrustPolicy of c, given a computation's Invalid and Warnings,
// which name policies "Kind namespace/name" ("Kind name" when
// cluster-scoped): the kind and the key of c's maps.
func Verdicts(c *desired.Cluster, invalid map[string]error, warnings map[string][]string) []source.Verdict {
	vs := make([]source.Verdict, 0, len(c.ZeroTrustPolicies)+len(c.ClusterZeroTrustPolicies))
	add := func(kind, ns, name string, gen int64, key string) {
		vs = append(vs, source.Verdict{Kind: kind, Namespace: ns, Name: name, Generation: gen, Err: invalid[key], Warnings: warnings[key]})
	}
	for k, p := range c.ZeroTrustPolicies {
		add("ZeroTrustPolicy", p.Namespace, p.Name, p.Generation, "ZeroTrustPolicy "+k)
	}
	for k, p := range c.ClusterZeroTrustPolicies {
		add("ClusterZeroTrustPolicy", "", p.Name, p.Generation, "ClusterZeroTrustPolicy "+k)
	}
	return vs
}
