// Package deploy holds Zeta's Kubernetes manifests and the tests that keep
// them honest; it has no Go code of its own.
//
// deploy/helm/zeta is the Helm chart; deploy/zeta.yaml is what its default
// values render (`make manifests`), and deploy/crds the CRDs generated from
// api/v1alpha1 (`make generate`). The tests check that the chart and the
// plain manifests agree object by object, that the DaemonSet keeps its
// security posture (capabilities, probes, mounts, update strategy), that
// the ClusterRole grants only what the agent's code uses, that the agent
// accepts the DaemonSet's arguments and runs with exactly its
// capabilities, and that a real kube-apiserver accepts every manifest
// (server-side dry run).
package deploy
