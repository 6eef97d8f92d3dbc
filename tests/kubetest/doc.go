// Package kubetest runs a real Kubernetes control plane for tests: etcd
// and kube-apiserver (no kubelet, scheduler or controller-manager) on
// loopback, with RBAC, a token file holding an admin and an agent
// identity, and Zeta's CRDs from deploy/crds installed and established.
//
// Start builds the binaries on a cache miss (tests/components/kube.sh; set
// KUBEBUILDER_ASSETS to a directory holding etcd and kube-apiserver to use
// other ones), starts both on free ports in a directory of the test's own,
// and stops them in t.Cleanup, API server first. StopAPIServer,
// StartAPIServer and Restart take the API server down and up again while
// etcd keeps the cluster's state, to test clients through an outage.
//
// With no controllers running, tests create what controllers would: the
// namespaces' default ServiceAccounts if they need them, and pods' status
// (podIP(s), phase) through UpdateStatus.
package kubetest
