/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Local endpoints by the ifindex of their host-side veth, and the agent's
 * runtime settings. One program serves every endpoint of a node: it finds
 * its endpoint here from the interface it runs on. */
#ifndef __ZETA_ENDPOINT_H
#define __ZETA_ENDPOINT_H

#include "common.h"

#define EP_F_ENFORCE_INGRESS 0x1 /* a policy selects the pod for ingress: default deny */
#define EP_F_ENFORCE_EGRESS 0x2
#define EP_F_AUDIT_INGRESS 0x4 /* denials become audits: logged, let through */
#define EP_F_AUDIT_EGRESS 0x8

struct endpoint_info {
	__u32 id;
	__u32 identity;
	__u32 flags;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32); /* ifindex */
	__type(value, struct endpoint_info);
	__uint(max_entries, 64 * 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_endpoints SEC(".maps");

struct zeta_config {
	__u32 events_per_sec;   /* flow events per endpoint per second; 0 = unlimited */
	__u32 events_burst;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct zeta_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_config SEC(".maps");

static __always_inline int ep_enforced(const struct endpoint_info *ep, __u8 dir)
{
	return ep->flags & (dir == DIR_EGRESS ? EP_F_ENFORCE_EGRESS : EP_F_ENFORCE_INGRESS);
}

static __always_inline int ep_audit(const struct endpoint_info *ep, __u8 dir)
{
	return ep->flags & (dir == DIR_EGRESS ? EP_F_AUDIT_EGRESS : EP_F_AUDIT_INGRESS);
}

#endif
