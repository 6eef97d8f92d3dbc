// Package secid owns security identities: the numbers that the datapath
// matches on in place of addresses. An identity names a set of
// security-relevant labels (a pod's labels, its namespace's labels and
// name); every pod with the same set shares one identity. Reserved
// identities name what is not a pod: the node itself and the world.
//
// Identities are node-local: each agent numbers the whole cluster for
// itself, so numbers never cross the wire. The Allocator persists its
// numbering so that a restarted agent writes the same numbers into the
// same pinned maps and enforcement has no window of wrong verdicts.
package secid
