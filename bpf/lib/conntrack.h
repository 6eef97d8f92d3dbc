/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Connection tracking. An entry is keyed by the tuple of the packet that
 * opened the connection and by the hook that saw it (CT_EGRESS at the
 * client's veth, CT_INGRESS at the server's), so a connection between two
 * pods of one node has two entries in one map and each hook finds its own.
 * Established packets and replies pass without a policy lookup. Timeouts
 * follow Linux conntrack's defaults. */
#ifndef __ZETA_CONNTRACK_H
#define __ZETA_CONNTRACK_H

#include "common.h"
#include "parse.h"

#define CT_INGRESS 1
#define CT_EGRESS 2


struct ct_entry {
	__u64 expires; /* bpf_ktime_get_ns() after which the entry is void */
	__u64 created;
	__u64 fwd_packets;
	__u64 fwd_bytes;
	__u64 rev_packets;
	__u64 rev_bytes;
	__u32 endpoint;
	__u32 peer_identity;
	__u32 rule;
	__u8 verdict;       /* VERDICT_ALLOW, VERDICT_AUDIT or VERDICT_REDIRECT */
	__u8 fwd_tcp_flags; /* every TCP flag the initiator sent */
	__u8 rev_tcp_flags; /* every TCP flag the responder sent */
	__u8 proxied;       /* steered into the node's proxy: see intercept.h */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct tuple);
	__type(value, struct ct_entry);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_ct SEC(".maps");

enum ct_status {
	CT_NEW = 0,
	CT_ESTABLISHED = 1,
	CT_REPLY = 2,
};

/* ct_timeout mirrors nf_conntrack's default timeouts for the state that the
 * flags seen so far imply. */
static __always_inline __u64 ct_timeout(const struct ct_entry *e, __u8 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP: {
		__u8 any = e->fwd_tcp_flags | e->rev_tcp_flags;
		if (any & TCP_FLAG_RST)
			return 10 * SEC_NS; /* CLOSE */
		if ((e->fwd_tcp_flags & TCP_FLAG_FIN) && (e->rev_tcp_flags & TCP_FLAG_FIN))
			return 120 * SEC_NS; /* TIME_WAIT */
		if (e->fwd_tcp_flags & TCP_FLAG_FIN)
			return 120 * SEC_NS; /* FIN_WAIT */
		if (e->rev_tcp_flags & TCP_FLAG_FIN)
			return 60 * SEC_NS; /* CLOSE_WAIT */
		if (!(any & TCP_FLAG_SYN))
			return 432000 * SEC_NS; /* picked up mid-stream: ESTABLISHED */
		if (!e->rev_tcp_flags)
			return 120 * SEC_NS; /* SYN_SENT */
		if (!(e->fwd_tcp_flags & TCP_FLAG_ACK))
			return 60 * SEC_NS; /* SYN_RECV */
		return 432000 * SEC_NS;  /* ESTABLISHED */
	}
	case IPPROTO_UDP:
		return (e->rev_packets ? 120 : 30) * SEC_NS;
	case IPPROTO_SCTP:
		return (e->rev_packets ? 210 : 30) * SEC_NS;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 30 * SEC_NS;
	}
	return 600 * SEC_NS;
}

static __always_inline void ct_reverse(struct tuple *rev, const struct tuple *t, __u8 flags)
{
	__builtin_memcpy(rev->saddr, t->daddr, 16);
	__builtin_memcpy(rev->daddr, t->saddr, 16);
	rev->sport = t->dport;
	rev->dport = t->sport;
	rev->protocol = t->protocol;
	rev->family = t->family;
	rev->flags = flags;
	rev->pad = 0;
}

static __always_inline __u8 ct_flags(__u8 dir)
{
	return dir == DIR_EGRESS ? CT_EGRESS : CT_INGRESS;
}

static __always_inline __u8 ct_other_flags(__u8 dir)
{
	return dir == DIR_EGRESS ? CT_INGRESS : CT_EGRESS;
}

/* ct_lookup classifies a packet with tuple t seen at hook dir. With account
 * set, a hit counts the packet and advances the TCP state and timeout. For
 * CT_ESTABLISHED, *found (if found is set) is the entry. */
static __always_inline int ct_lookup(struct tuple *t, __u8 dir, const struct pkt *p, int account,
				     struct ct_entry **found)
{
	__u64 now = bpf_ktime_get_ns();
	struct ct_entry *e;
	struct tuple rev;

	t->flags = ct_flags(dir);
	e = bpf_map_lookup_elem(&zeta_ct, t);
	/* A SYN on a closing or reset connection opens a new one: policy judges
	 * it again, as Linux conntrack reopens such entries. */
	if (e && (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN &&
	    ((e->fwd_tcp_flags | e->rev_tcp_flags) & (TCP_FLAG_FIN | TCP_FLAG_RST)))
		e = 0;
	if (e && e->expires > now) {
		if (account) {
			__sync_fetch_and_add(&e->fwd_packets, 1);
			__sync_fetch_and_add(&e->fwd_bytes, p->len);
			e->fwd_tcp_flags |= p->tcp_flags;
			e->expires = now + ct_timeout(e, t->protocol);
		}
		if (found)
			*found = e;
		return CT_ESTABLISHED;
	}

	ct_reverse(&rev, t, ct_other_flags(dir));
	e = bpf_map_lookup_elem(&zeta_ct, &rev);
	if (e && e->expires > now) {
		if (account) {
			__sync_fetch_and_add(&e->rev_packets, 1);
			__sync_fetch_and_add(&e->rev_bytes, p->len);
			e->rev_tcp_flags |= p->tcp_flags;
			e->expires = now + ct_timeout(e, t->protocol);
		}
		return CT_REPLY;
	}
	return CT_NEW;
}

static __always_inline void ct_create(const struct tuple *t, const struct pkt *p, __u32 endpoint,
				      __u32 peer, __u32 rule, __u8 verdict)
{
	__u64 now = bpf_ktime_get_ns();
	struct ct_entry e = {
		.created = now,
		.fwd_packets = 1,
		.fwd_bytes = p->len,
		.endpoint = endpoint,
		.peer_identity = peer,
		.rule = rule,
		.verdict = verdict,
		.fwd_tcp_flags = p->tcp_flags,
	};
	e.expires = now + ct_timeout(&e, t->protocol);
	bpf_map_update_elem(&zeta_ct, t, &e, BPF_ANY);
}

#endif
