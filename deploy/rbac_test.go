package deploy

import (
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/zeta-net/zeta/agent/source/k8ssource"
)

// access is one verb on one resource.
type access struct {
	Group, Resource, Verb string
}

// agentAccess is everything the agent's ClusterRole grants, with the reason
// the agent's code needs it. The ClusterRole must grant exactly these:
// adding a rule means adding its reason here.
var agentAccess = map[access]string{
	// agent/source/k8ssource keeps shared informers of the cluster state
	// the agent compiles into its maps; informers list and watch, nothing
	// reads single objects (get). ServiceAccounts are not watched: the
	// agent takes a pod's spec.serviceAccountName as it is.
	{"", "pods", "list"}:                                    "informer of pods: this node's are endpoints, every pod's address fills the IP cache",
	{"", "pods", "watch"}:                                   "informer of pods",
	{"", "namespaces", "list"}:                              "informer of namespaces: their labels select peers; zeta.io/audit-mode",
	{"", "namespaces", "watch"}:                             "informer of namespaces",
	{"networking.k8s.io", "networkpolicies", "list"}:        "informer of NetworkPolicies",
	{"networking.k8s.io", "networkpolicies", "watch"}:       "informer of NetworkPolicies",
	{"zeta.io", "zerotrustpolicies", "list"}:                "informer of ZeroTrustPolicies (dynamic client)",
	{"zeta.io", "zerotrustpolicies", "watch"}:               "informer of ZeroTrustPolicies",
	{"zeta.io", "clusterzerotrustpolicies", "list"}:         "informer of ClusterZeroTrustPolicies (dynamic client)",
	{"zeta.io", "clusterzerotrustpolicies", "watch"}:        "informer of ClusterZeroTrustPolicies",
	{"zeta.io", "zerotrustpolicies/status", "patch"}:        "k8ssource.Status: this node's Accepted condition by server-side apply (ApplyStatus)",
	{"zeta.io", "clusterzerotrustpolicies/status", "patch"}: "k8ssource.Status: this node's Accepted condition by server-side apply (ApplyStatus)",
	{"", "events", "create"}:                                "k8ssource.Status: an Event on each policy that turns invalid (record.EventRecorder)",
	{"", "events", "patch"}:                                 "the event recorder counts a repeated Event by patching it",
}

// TestClusterRoleLeastPrivilege checks that the ClusterRole grants exactly
// agentAccess: no wildcard, no resource names or non-resource URLs, nothing
// the agent does not use, and nothing it uses missing.
func TestClusterRoleLeastPrivilege(t *testing.T) {
	role := plainClusterRole(t)
	if role.AggregationRule != nil {
		t.Error("the ClusterRole must not aggregate other roles")
	}
	for i, r := range role.Rules {
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			t.Errorf("rule %d: nonResourceURLs %v / resourceNames %v: the agent needs neither", i, r.NonResourceURLs, r.ResourceNames)
		}
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs} {
			if slices.Contains(list, "*") {
				t.Errorf("rule %d grants '*' (%v): name each group, resource and verb", i, r)
			}
		}
	}
	granted := accesses(role.Rules)
	for a := range granted {
		if _, ok := agentAccess[a]; !ok {
			t.Errorf("the ClusterRole grants %q on %s (group %q), which the agent's code does not use", a.Verb, a.Resource, a.Group)
		}
	}
	for a, why := range agentAccess {
		if !granted[a] {
			t.Errorf("the ClusterRole does not grant %q on %s (group %q), which the agent needs: %s", a.Verb, a.Resource, a.Group, why)
		}
	}
}

// TestAgentAccessIsWhatTheSourceUses checks agentAccess against the
// permissions the Kubernetes source declares it uses (k8ssource.RBACRules,
// which its own tests run with against a real API server): the reasons
// above must cover exactly those.
func TestAgentAccessIsWhatTheSourceUses(t *testing.T) {
	used := accesses(k8ssource.RBACRules())
	for a := range used {
		if _, ok := agentAccess[a]; !ok {
			t.Errorf("k8ssource uses %q on %s (group %q): add it to agentAccess with its reason, and to the chart's ClusterRole", a.Verb, a.Resource, a.Group)
		}
	}
	for a := range agentAccess {
		if !used[a] {
			t.Errorf("agentAccess lists %q on %s (group %q), which k8ssource.RBACRules does not: remove it", a.Verb, a.Resource, a.Group)
		}
	}
}

// accesses expands rules into every (group, resource, verb) they grant.
func accesses(rules []rbacv1.PolicyRule) map[access]bool {
	out := map[access]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[access{g, res, v}] = true
				}
			}
		}
	}
	return out
}
