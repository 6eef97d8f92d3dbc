// Package secid owns security identities: the numbers that the datapath
// matches on in place of addresses. An identity names a set of
// security-relevant labels (Labels): a pod's labels, its namespace's
// labels and name, its service account, and the policy prefixes that
// contain its address; every pod address with the same set shares one
// identity. A CIDR identity names the addresses of one policy prefix that
// no longer policy prefix and no pod covers: it has memberships and no
// namespace (CIDRSet). Reserved identities name what is neither: the node
// itself and the world (every address no policy prefix names).
//
// Identities are node-local: each agent numbers the whole cluster for
// itself, so numbers never cross the wire. The Allocator persists its
// numbering so that a restarted agent writes the same numbers into the
// same pinned maps and enforcement has no window of wrong verdicts.
package secid
