// Package conformance holds the behaviours of Kubernetes NetworkPolicy that
// the upstream e2e suite checks, restated as expected reachability in the
// suite's cluster: namespaces x, y and z, each with pods a, b and c that
// serve TCP and UDP on ports 80 and 81 (named serve-80-tcp and so on).
//
// A Case is a sequence of Steps. A Step is a whole cluster state: the
// policies in force and any labels that differ from the base cluster's
// (namespace label ns=<name>, pod label pod=<name>); so a later step
// updates or removes policies, or relabels pods and namespaces, by saying
// what holds next. Policies are YAML, in which {{ip4 "y/b"}}, {{ip6
// "y/b"}}, {{cidr4 "y/b" 16}} and {{cidr6 "y/b" 64}} stand for the
// addresses of pods, which only placement decides. Each Step lists the
// reachability it expects on some protocol, port and family, as a Reach:
// rules applied in order over every ordered pair of pods, a pod always
// reaching itself.
//
// The same cases run offline (this package's tests: the datapath programs
// through policy/offline, and the Go evaluator) and live against zeta-lab
// (tests/e2e). A case that needs a Feature Zeta lacks is skipped, naming
// it; Missing finds out whether a feature is there by trying it offline.
package conformance
