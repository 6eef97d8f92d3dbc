/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Per-endpoint policy. One LPM trie holds every local endpoint's entries:
 * the endpoint, peer identity and direction are always matched whole, and
 * the prefix length then decides how much of (protocol, port) must match,
 * which gives wildcard protocols and ports and power-of-two port ranges.
 *
 * The user-space compiler guarantees that a longer prefix never carries a
 * weaker verdict than a shorter prefix covering it, so the longest match is
 * the answer for one identity; the datapath asks twice, for the peer's
 * identity and for IDENTITY_ANY, and the stronger verdict wins
 * (deny > audit > redirect > allow). */
#ifndef __ZETA_POLICY_H
#define __ZETA_POLICY_H

#include "common.h"

struct policy_key {
	__u32 prefixlen;
	__u32 endpoint;
	__u32 identity;
	__u8 direction;
	__u8 protocol;
	__be16 dport;
};

/* Bits after prefixlen: endpoint, identity, direction, protocol, port. */
#define POLICY_PREFIX_FULL 96
#define POLICY_PREFIX_ANY_PROTO 72

struct policy_value {
	__u32 rule; /* the rule that produced the entry, for flows */
	__u8 verdict;
	__u8 pad;
	__be16 proxy_port; /* VERDICT_REDIRECT: the proxy that enforces the rule */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct policy_key);
	__type(value, struct policy_value);
	__uint(max_entries, 1024 * 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_policy SEC(".maps");

static __always_inline int verdict_rank(__u8 v)
{
	switch (v) {
	case VERDICT_DENY:
		return 4;
	case VERDICT_AUDIT:
		return 3;
	case VERDICT_REDIRECT:
		return 2;
	case VERDICT_ALLOW:
		return 1;
	}
	return 0;
}

/* policy_lookup returns the verdict for a new connection's first packet
 * and the rule behind it, or VERDICT_NONE when no entry matches. */
static __always_inline __u8 policy_lookup(__u32 endpoint, __u8 dir, __u32 identity,
					  __u8 protocol, __be16 dport, __u32 *rule)
{
	struct policy_key k = {
		.prefixlen = POLICY_PREFIX_FULL,
		.endpoint = endpoint,
		.identity = identity,
		.direction = dir,
		.protocol = protocol,
		.dport = dport,
	};
	struct policy_value *exact = bpf_map_lookup_elem(&zeta_policy, &k);
	k.identity = IDENTITY_ANY;
	struct policy_value *any = bpf_map_lookup_elem(&zeta_policy, &k);

	__u8 ve = exact ? exact->verdict : VERDICT_NONE;
	__u8 va = any ? any->verdict : VERDICT_NONE;
	if (verdict_rank(ve) >= verdict_rank(va)) {
		*rule = exact ? exact->rule : 0;
		return ve;
	}
	*rule = any ? any->rule : 0;
	return va;
}

#endif
