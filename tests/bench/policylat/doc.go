// Package policylat measures how long a policy change takes to reach the
// kernel: from the moment a changed policy file lands in the agents'
// manifest directory to the moment every agent reports that its maps
// enforce it, on a sandbox cluster of 1,000 pods (issue 3's latency
// target: p99 under 100 ms for one policy change). Run it with
// `go test -run '^$' -bench . ./tests/bench/policylat` as root.
package policylat
