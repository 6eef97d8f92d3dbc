/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Fragment tracking: only the first fragment of a datagram carries its
 * ports, so it leaves them here for the fragments that follow. */
#ifndef __ZETA_FRAG_H
#define __ZETA_FRAG_H

#include "common.h"

struct frag_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 id;
	__u8 protocol;
	__u8 family;
	__u16 pad;
};

/* The ports and transport protocol of a fragmented datagram. The key names
 * the protocol of the IPv6 fragment header's next header, which for later
 * fragments may be an extension header (AH, destination options) that only
 * the first fragment carries. */
struct frag_ports {
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct frag_key);
	__type(value, struct frag_ports);
	__uint(max_entries, 8192);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_frags SEC(".maps");

static __always_inline void frag_record(struct frag_key *k, __be16 sport, __be16 dport,
					__u8 protocol)
{
	struct frag_ports v = {.sport = sport, .dport = dport, .protocol = protocol};
	bpf_map_update_elem(&zeta_frags, k, &v, BPF_ANY);
}

static __always_inline int frag_resolve(struct frag_key *k, __be16 *sport, __be16 *dport,
					__u8 *protocol)
{
	struct frag_ports *v = bpf_map_lookup_elem(&zeta_frags, k);
	if (!v)
		return 0;
	*sport = v->sport;
	*dport = v->dport;
	*protocol = v->protocol;
	return 1;
}

#endif
