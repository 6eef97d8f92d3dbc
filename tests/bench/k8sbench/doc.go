// Package k8sbench measures the agent in Kubernetes mode against a real
// API server (tests/kubetest) holding 5,000 pods and 1,000
// ZeroTrustPolicies: the time from the agent's start to its first full
// sync (ready), its resident memory per pod on the IP-cache path (the pods
// run on other nodes, so the agent holds them only as IP cache entries
// and identities), and the latency from an API write of a pod's address
// to the IP cache entry in the kernel map (p50, p99).
//
//	go test -bench . -benchtime 200x ./tests/bench/k8sbench/
//
// It needs root (a network namespace, bpffs pins) and the control-plane
// binaries that tests/components/kube.sh builds. Each iteration is one
// latency sample.
package k8sbench
