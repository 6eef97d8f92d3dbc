package k8ssource

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

// RBACRules are the permissions the source and its status writer use, the
// least an agent's ClusterRole must grant: read and watch the state, apply
// the policies' status, record Events.
func RBACRules() []rbacv1.PolicyRule {
	read := []string{"list", "watch"}
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces", "pods"}, Verbs: read},
		{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: read},
		{APIGroups: []string{v1alpha1.GroupName}, Resources: []string{"zerotrustpolicies", "clusterzerotrustpolicies"}, Verbs: read},
		{APIGroups: []string{v1alpha1.GroupName}, Resources: []string{"zerotrustpolicies/status", "clusterzerotrustpolicies/status"}, Verbs: []string{"patch"}},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
	}
}
