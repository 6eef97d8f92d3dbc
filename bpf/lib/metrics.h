/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Per-endpoint packet and byte counters by verdict, reason and direction,
 * per CPU so that the hot path never contends. */
#ifndef __ZETA_METRICS_H
#define __ZETA_METRICS_H

#include "common.h"

struct metrics_key {
	__u32 endpoint;
	__u8 verdict;
	__u8 reason;
	__u8 direction;
	__u8 pad;
};

struct metrics_value {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct metrics_key);
	__type(value, struct metrics_value);
	__uint(max_entries, 64 * 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_metrics SEC(".maps");

static __always_inline void metrics_count(__u32 endpoint, __u8 verdict, __u8 reason, __u8 dir,
					  __u32 bytes)
{
	struct metrics_key k = {
		.endpoint = endpoint,
		.verdict = verdict,
		.reason = reason,
		.direction = dir,
	};
	struct metrics_value *v = bpf_map_lookup_elem(&zeta_metrics, &k);
	if (v) {
		v->packets++;
		v->bytes += bytes;
		return;
	}
	struct metrics_value init = {.packets = 1, .bytes = bytes};
	bpf_map_update_elem(&zeta_metrics, &k, &init, BPF_NOEXIST);
}

#endif
