/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Transparent interception of pods' TCP connections by the node's proxy.
 *
 * zeta_intercept holds, for every pod of the cluster, the TCP port prefixes
 * at which its ingress policy redirects some peer to a proxy (mutual TLS or
 * L7 rules), with the proxy's port. At the source, zeta_from_pod steers a
 * new connection to such a destination into the proxy's transparent
 * listener on this node: bpf_sk_assign on the SYN, and a mark that a policy
 * route (ip rule fwmark ZETA_MARK_TO_PROXY, local 0.0.0.0/0 and ::/0 dev lo)
 * turns into local delivery for the SYN and every later packet, which the
 * conntrack entry remembers. The proxy reads the original destination with
 * getsockname(). At the destination, zeta_to_pod drops a new connection to
 * such a port that does not come from a proxy (the node itself, or a socket
 * marked ZETA_MARK_FROM_PROXY), so the proxy cannot be bypassed.
 *
 * The listener must be in the node's network namespace (bpf_sk_assign wants
 * a socket of skb->dev's netns), bound to the wildcard address at the proxy
 * port (it is found by the packet's own addresses), with IP_TRANSPARENT
 * (its answers come from the original destination). */
#ifndef __ZETA_INTERCEPT_H
#define __ZETA_INTERCEPT_H

#include "common.h"
#include "parse.h"
#include "conntrack.h"

/* Packet marks, in the bits ZETA_MARK_MASK selects. */
enum zeta_mark {
	ZETA_MARK_MASK = 0xff00,
	ZETA_MARK_TO_PROXY = 0x5a00,   /* set by zeta_from_pod: deliver to the local proxy */
	ZETA_MARK_FROM_PROXY = 0x5b00, /* SO_MARK of the proxy's connections to pods */
};

/* What a proxy enforces at a port: intercept_value.flags. */
enum intercept_flag {
	INTERCEPT_F_MUTUAL_TLS = 0x1,
	INTERCEPT_F_L7 = 0x2,
};

/* Keep the enums in the object's BTF, where user space checks them. */
const enum zeta_mark *zeta_mark_btf __attribute__((unused));
const enum intercept_flag *intercept_flag_btf __attribute__((unused));

/* Bits after prefixlen: family, protocol, address, then the port prefix. */
#define INTERCEPT_PREFIX_ANY_PORT 144
#define INTERCEPT_PREFIX_FULL 160

struct intercept_key {
	__u32 prefixlen;
	__u8 family;
	__u8 protocol;
	__u8 addr[16]; /* IPv4 in the first four bytes */
	__be16 dport;
};

struct intercept_value {
	__be16 proxy_port;
	__u8 flags; /* enum intercept_flag */
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct intercept_key);
	__type(value, struct intercept_value);
	__uint(max_entries, 256 * 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zeta_intercept SEC(".maps");

/* intercept_lookup returns the proxy the destination of t requires, if any. */
static __always_inline struct intercept_value *intercept_lookup(const struct tuple *t)
{
	struct intercept_key k = {
		.prefixlen = INTERCEPT_PREFIX_FULL,
		.family = t->family,
		.protocol = t->protocol,
		.dport = t->dport,
	};
	__builtin_memcpy(k.addr, t->daddr, 16);
	return bpf_map_lookup_elem(&zeta_intercept, &k);
}

/* sock_tuple fills st from t and returns its size for the lookup helpers. */
static __always_inline __u32 sock_tuple(struct bpf_sock_tuple *st, const struct tuple *t)
{
	if (t->family == AF_INET) {
		__builtin_memcpy(&st->ipv4.saddr, t->saddr, 4);
		__builtin_memcpy(&st->ipv4.daddr, t->daddr, 4);
		st->ipv4.sport = t->sport;
		st->ipv4.dport = t->dport;
		return sizeof(st->ipv4);
	}
	__builtin_memcpy(st->ipv6.saddr, t->saddr, 16);
	__builtin_memcpy(st->ipv6.daddr, t->daddr, 16);
	st->ipv6.sport = t->sport;
	st->ipv6.dport = t->dport;
	return sizeof(st->ipv6);
}

/* proxy_has_connection reports whether the node already has a connected
 * socket (or request socket) for t: the proxy took an earlier SYN of this
 * connection, and routing the packet locally is enough. The node's own
 * listeners on t's port are not that, and neither is a TIME_WAIT socket:
 * a SYN routed to one would be handed to a node listener on t's port, so
 * it goes to the proxy's listener (which refuses it while the TIME_WAIT
 * socket lasts). This is the only place that reads a socket's fields: the
 * verifier refuses one load reached both from a PTR_TO_SOCK_COMMON and
 * from a PTR_TO_SOCKET. */
static __always_inline int proxy_has_connection(struct __sk_buff *skb, const struct tuple *t)
{
	struct bpf_sock_tuple st = {};
	__u32 size = sock_tuple(&st, t);
	struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, &st, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	int connected = sk->state != BPF_TCP_LISTEN && sk->state != BPF_TCP_TIME_WAIT;
	bpf_sk_release(sk);
	return connected;
}

/* proxy_assign hands a packet of t to the proxy's listener on proxy_port
 * and returns 0, or a negative error when there is no listener to take it. */
static __always_inline long proxy_assign(struct __sk_buff *skb, const struct tuple *t,
					 __be16 proxy_port)
{
	struct bpf_sock_tuple st = {};
	__u32 size = sock_tuple(&st, t);
	if (t->family == AF_INET)
		st.ipv4.dport = proxy_port;
	else
		st.ipv6.dport = proxy_port;
	struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &st, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return -1;
	long err = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	return err;
}

/* The pod's packets arrive with no mark (the veth clears it), so the whole
 * mark is ours; a read-modify-write would also become a byte store, which
 * the verifier refuses on the context. */
static __always_inline void mark_to_proxy(struct __sk_buff *skb)
{
	skb->mark = ZETA_MARK_TO_PROXY;
}

/* intercept_new steers the first packet of a new connection t (a TCP SYN)
 * to the proxy its destination requires. It returns 1 when steered, 0 when
 * the destination requires no proxy, and a negative value when it does but
 * the proxy cannot take the connection. */
static __always_inline int intercept_new(struct __sk_buff *skb, const struct pkt *p)
{
	if (p->t.protocol != IPPROTO_TCP || (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return 0;
	struct intercept_value *v = intercept_lookup(&p->t);
	if (!v)
		return 0;
	if (!proxy_has_connection(skb, &p->t) && proxy_assign(skb, &p->t, v->proxy_port) < 0)
		return -1;
	mark_to_proxy(skb);
	return 1;
}

/* intercept_remember records in t's new conntrack entry that the
 * connection goes to the proxy, so that its later packets do too. */
static __always_inline void intercept_remember(const struct tuple *t)
{
	struct ct_entry *e = bpf_map_lookup_elem(&zeta_ct, t);
	if (e)
		e->proxied = 1;
}

/* intercept_established steers a later packet from the pod of a connection
 * whose first packet went to the proxy (its conntrack entry is proxied;
 * only zeta_from_pod sets that). Routed locally, it finds the proxy's
 * socket for the connection. Without one it goes to the listener again:
 * a SYN the listener dropped (full backlog) and the client sent again, or
 * the ACK that answers a SYN cookie, which only the listener can check. */
static __always_inline void intercept_established(struct __sk_buff *skb, const struct pkt *p)
{
	if (!proxy_has_connection(skb, &p->t)) {
		struct intercept_value *v = intercept_lookup(&p->t);
		if (v)
			proxy_assign(skb, &p->t, v->proxy_port);
	}
	mark_to_proxy(skb);
}

/* from_proxy reports whether a packet to a pod comes from a proxy: from
 * the node itself, or from a socket the proxy marked. Pods cannot forge
 * the mark: a veth clears it when the packet leaves the pod's netns. */
static __always_inline int from_proxy(const struct __sk_buff *skb, __u32 peer)
{
	return peer == IDENTITY_HOST || (skb->mark & ZETA_MARK_MASK) == ZETA_MARK_FROM_PROXY;
}

#endif
