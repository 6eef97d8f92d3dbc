// Package offline judges one HTTP request of a manifest directory
// without a cluster, with the code the L7 proxy runs: the connection as
// policy/offline judges it (both hooks, the datapath programs or Go),
// then, if the destination's hook redirects it to the L7 proxy, the
// request with the destination port's authz.Engine. zetactl authz check
// prints its Result.
package offline
