// Package policygen generates random but valid clusters for differential
// testing: namespaces x, y and z, some of the pods a..c in each, and up to
// four NetworkPolicies over them. Labels come from a small alphabet so that
// selectors do match: pods carry app and tier from {a, b}, namespaces team
// and env from {red, blue} besides kubernetes.io/metadata.name. Policies
// mix every part of the API: empty and non-empty pod and namespace
// selectors, matchLabels and matchExpressions with every operator, both
// directions with and without policyTypes, empty and missing rule lists,
// ports by number, by range (endPort) and by name (web for TCP, dns for
// UDP, on 80 or 81 depending on the pod), protocols, and ipBlocks with
// excepts over the addresses zeta-lab gives pods. Every pod serves TCP and
// UDP on 80 and 81, so a live probe fails only where policy denies.
//
// Generate is deterministic: a seed always gives the same cluster, so a
// failing seed reproduces. Scenario.Model builds a scenario's offline model
// (policy/offline) through a manifest directory, as zetactl would, and
// Report prints a mismatch with the seed and the manifests.
//
// Reference is a third opinion besides the datapath and policy.Evaluate:
// the NetworkPolicy API read literally, pod by pod, with no identities and
// no compiled entries. The differential tests compare all three here, and
// the offline answer with live agents in tests/e2e.
package policygen
