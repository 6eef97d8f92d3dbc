// Package plan decides what a sandbox cluster looks like before anything is
// created: which nodes exist, which node runs each pod, every pod's IPv4 and
// IPv6 address, and the names of every network namespace and pod link.
//
// A Plan is pure data computed from a manifest.Set: the same input gives the
// same Plan, so addresses are stable across runs. New builds the Plan of a
// new cluster; Update derives the Plan of a running cluster after its
// manifests changed, keeping existing pods where they are. The lab package
// stores the Plan in its state file and makes the kernel match it.
//
// Addressing: node k (1-based, in sorted node-name order) has 10.240.0.k/24
// and fd00:10:240::k/64 on the fabric and allocates pod addresses from
// 10.244.k.0/24 and fd00:10:244:k::/64, host numbers from 2 upwards. Pods
// whose status names addresses keep them. Every name carries the cluster
// name, so clusters with different names never collide.
//
// Virtual pods (VirtualAnnotation) are planned too, so that their
// addresses are reserved, but only as their manifest describes them: on a
// node outside the plan, with the addresses their status names, and with
// no namespace or link.
package plan
