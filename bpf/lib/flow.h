/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Flow events to user space through a ring buffer: one per new
 * connection's verdict and one per drop. A token bucket per endpoint keeps
 * a flood from one pod from filling the ring for everybody; what the bucket
 * or a full ring refuses is counted, never silently lost.
 *
 * Records are submitted with the kernel's adaptive wakeup: only a record
 * that finds every earlier one consumed wakes the reader. The reader
 * (bpf/maps/eventmap) lets records gather for a short window after it has
 * emptied the ring, so that new connections do not wake it one by one: a
 * wakeup costs the agent far more than reading a record. Forcing wakeups
 * off instead (BPF_RB_NO_WAKEUP) would leave the reader polling on a timer
 * even when nothing happens. */
#ifndef __ZETA_FLOW_H
#define __ZETA_FLOW_H

#include "common.h"
#include "endpoint.h"
#include "parse.h"

struct flow_event {
	__u64 timestamp; /* bpf_ktime_get_ns() */
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u32 endpoint;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 rule;
	__u32 ifindex;
	__u32 len;
	__u8 family;
	__u8 protocol;
	__u8 direction;
	__u8 verdict;
	__u8 reason;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
};

/* Ring buffer records carry no BTF of their own; this keeps the struct in
 * the object's BTF so that user space can check its layout. */
const struct flow_event *flow_event_btf __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_events SEC(".maps");

enum zeta_counter {
	COUNTER_EVENTS_LOST = 0,         /* the ring buffer was full */
	COUNTER_EVENTS_RATE_LIMITED = 1, /* the endpoint's bucket was empty */
	COUNTER_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, COUNTER_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_counters SEC(".maps");

struct rate_state {
	__u64 tokens; /* in billionths of an event */
	__u64 last;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32); /* endpoint */
	__type(value, struct rate_state);
	__uint(max_entries, 64 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_event_rate SEC(".maps");

static __always_inline void counter_inc(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&zeta_counters, &idx);
	if (c)
		(*c)++;
}

/* rate_allow takes one token from the endpoint's bucket. Races between CPUs
 * can let a few extra events through; that is cheaper than a lock. */
static __always_inline int rate_allow(__u32 endpoint)
{
	__u32 zero = 0;
	struct zeta_config *cfg = bpf_map_lookup_elem(&zeta_config, &zero);
	if (!cfg || cfg->events_per_sec == 0)
		return 1;

	__u64 now = bpf_ktime_get_ns();
	__u64 cap = (__u64)(cfg->events_burst ? cfg->events_burst : 1) * SEC_NS;
	struct rate_state *s = bpf_map_lookup_elem(&zeta_event_rate, &endpoint);
	if (!s) {
		struct rate_state init = {.tokens = cap - SEC_NS, .last = now};
		bpf_map_update_elem(&zeta_event_rate, &endpoint, &init, BPF_ANY);
		return 1;
	}
	__u64 elapsed = now - s->last;
	if (elapsed > 10 * SEC_NS)
		elapsed = 10 * SEC_NS;
	__u64 tokens = s->tokens + elapsed * cfg->events_per_sec;
	if (tokens > cap)
		tokens = cap;
	s->last = now;
	if (tokens < SEC_NS) {
		s->tokens = tokens;
		return 0;
	}
	s->tokens = tokens - SEC_NS;
	return 1;
}

static __always_inline void flow_emit(const struct pkt *p, const struct endpoint_info *ep,
				      __u32 ifindex, __u32 peer, __u8 dir, __u8 verdict,
				      __u8 reason, __u32 rule)
{
	if (!rate_allow(ep->id)) {
		counter_inc(COUNTER_EVENTS_RATE_LIMITED);
		return;
	}
	struct flow_event *ev = bpf_ringbuf_reserve(&zeta_events, sizeof(*ev), 0);
	if (!ev) {
		counter_inc(COUNTER_EVENTS_LOST);
		return;
	}
	ev->timestamp = bpf_ktime_get_ns();
	__builtin_memcpy(ev->saddr, p->t.saddr, 16);
	__builtin_memcpy(ev->daddr, p->t.daddr, 16);
	ev->sport = p->t.sport;
	ev->dport = p->t.dport;
	ev->endpoint = ep->id;
	ev->src_identity = dir == DIR_EGRESS ? ep->identity : peer;
	ev->dst_identity = dir == DIR_EGRESS ? peer : ep->identity;
	ev->rule = rule;
	ev->ifindex = ifindex;
	ev->len = p->len;
	ev->family = p->t.family;
	ev->protocol = p->t.protocol;
	ev->direction = dir;
	ev->verdict = verdict;
	ev->reason = reason;
	ev->tcp_flags = p->tcp_flags;
	ev->icmp_type = p->icmp_type;
	ev->icmp_code = p->icmp_code;
	bpf_ringbuf_submit(ev, 0);
}

#endif
