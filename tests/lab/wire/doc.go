// Package wire owns the links, addresses, routes and sysctls that make a
// set of network namespaces a cluster network:
//
//	fabric netns:  bridge br0, one port per node
//	node netns:    eth0 (on br0, 10.240.0.k/24, fd00:10:240::k/64),
//	               one lxcXXXXXXXX per pod, a /32 and /128 route per local
//	               pod on its lxc, and per remote pod via the remote node;
//	               IPv4 and IPv6 forwarding on
//	pod netns:     eth0 with the pod's /32 and /128, default routes via
//	               169.254.1.1 and fe80::1 on eth0 (onlink), both resolved
//	               by permanent neighbour entries to the lxc's MAC
//
// Pods never share an on-link subnet, so all their traffic goes through
// their node, where the agent sees it. Every link is created directly in
// the namespace it lives in (never in the root namespace), so only names
// inside one namespace must be unique. DAD is off everywhere, so addresses
// are usable at once.
//
// Netlink handles are opened inside the target namespace with labns.Do and
// then used from any thread.
package wire
