/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The IP cache: longest-prefix match from an address to the security
 * identity behind it, one trie per family. Pods are /32 and /128 entries;
 * anything no entry covers is the world. */
#ifndef __ZETA_IPCACHE_H
#define __ZETA_IPCACHE_H

#include "common.h"

struct ipcache_key4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct ipcache_key6 {
	__u32 prefixlen;
	__u8 addr[16];
};

struct ipcache_value {
	__u32 identity;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct ipcache_key4);
	__type(value, struct ipcache_value);
	__uint(max_entries, 512 * 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_ipcache4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct ipcache_key6);
	__type(value, struct ipcache_value);
	__uint(max_entries, 512 * 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_ipcache6 SEC(".maps");

static __always_inline __u32 ipcache_lookup(__u8 family, const __u8 *addr)
{
	struct ipcache_value *v;

	if (family == AF_INET) {
		struct ipcache_key4 k = {.prefixlen = 32};
		__builtin_memcpy(k.addr, addr, 4);
		v = bpf_map_lookup_elem(&zeta_ipcache4, &k);
	} else {
		struct ipcache_key6 k = {.prefixlen = 128};
		__builtin_memcpy(k.addr, addr, 16);
		v = bpf_map_lookup_elem(&zeta_ipcache6, &k);
	}
	return v ? v->identity : IDENTITY_WORLD;
}

#endif
