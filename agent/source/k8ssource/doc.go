// Package k8ssource is the agent's Source in Kubernetes mode: client-go
// shared informers on the API server for Namespaces, all Pods (the IP cache
// needs every pod's address; the agent picks its local endpoints by
// spec.nodeName), NetworkPolicies, and Zeta's ZeroTrustPolicies and
// ClusterZeroTrustPolicies (read with the dynamic client and converted to
// the api/v1alpha1 types as they enter the informers' caches).
//
// Informers strip what the agent never reads before caching (managed
// fields, most of a pod's spec and status: see strip.go), which is most of
// the memory a pod costs. Their handlers feed one queue (queue.go); Run
// sends the queue's events to the agent in order, and a Synced event each
// time the queue drains once every informer has delivered its initial
// list, so the first Synced means the agent has the whole cluster. A
// relist after a watch gap or an API server restart comes through as
// updates and, for objects gone meanwhile, deletes (the informers'
// DeletedFinalStateUnknown tombstones), followed by a Synced again.
//
// Synced's revision is the newest resourceVersion the source has sent for
// each resource, as "namespaces=N,pods=N,networkpolicies=N,
// zerotrustpolicies=N,clusterzerotrustpolicies=N" (see Revision). Within
// one resource watch events come in resourceVersion order, so a client
// that wrote an object at resourceVersion R knows the agent has it once
// that resource's number is at least R.
//
// ServiceAccounts are not watched: the agent derives identities from pods'
// spec.serviceAccountName alone, and nothing it computes depends on the
// ServiceAccount objects.
//
// Status (status.go) reports the agent's verdict on each policy back to
// the API server: the Reporter the agent calls after each reconcile writes
// per-node Accepted conditions through the status subresource and records
// an Event for each policy that turns invalid. RBACRules lists every
// permission the package uses.
package k8ssource
