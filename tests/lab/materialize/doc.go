// Package materialize writes the cluster state the agents read: the
// objects of a manifest directory as a running cluster would hold them.
// Pods get spec.nodeName, status.podIP(s), status.hostIP(s) and phase
// Running from the Plan (virtual pods keep the node and addresses their
// manifest names, and get no host IPs); every namespace that pods or
// policies use exists as a Namespace object with the
// kubernetes.io/metadata.name label the API server adds. Kinds the agent
// does not read are left out.
//
// Everything goes into one file, replaced atomically, so an agent never
// reads half a change; Write returns the manifest.Set hash of the result,
// which the agents report once they enforce it.
package materialize
