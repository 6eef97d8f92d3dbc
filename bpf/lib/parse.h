/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Packet parsing. Every read goes through bpf_skb_load_bytes, so a short or
 * non-linear skb can only make a read fail (REASON_TRUNCATED), never read
 * out of bounds, whatever the headers claim. */
#ifndef __ZETA_PARSE_H
#define __ZETA_PARSE_H

#include "common.h"
#include "frag.h"

#define IPV6_MAX_EXT_HEADERS 8

#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_NONE 59
#define NEXTHDR_DEST 60

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

struct ipv4_hdr {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__u8 saddr[4];
	__u8 daddr[4];
};

struct ipv6_hdr {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* A connection's 5-tuple; also the conntrack key, with flags naming the hook. */
struct tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 family;
	__u8 flags;
	__u8 pad;
};

struct pkt {
	struct tuple t;
	/* For an ICMP error: the connection it reports on, seen from the
	 * direction of this packet (the inner tuple with ends swapped). */
	struct tuple related;
	__u32 len;
	__u8 is_ip;      /* 0 for ARP and IPv6 neighbour discovery: no policy applies */
	__u8 has_related;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
};

static __always_inline int is_icmp_error(__u8 proto, __u8 type)
{
	if (proto == IPPROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4; /* ICMPv6 */
}

/* Link-local ICMPv6 control that keeps IPv6 working on the pod's link:
 * neighbour discovery (133-137) and multicast listener discovery (130-132,
 * 143). Policy never applies to it, as ARP is never judged in IPv4. */
static __always_inline int is_icmp6_link_control(__u8 type)
{
	return (type >= 130 && type <= 137) || type == 143;
}

/* l4_ports fills sport and dport of t from the L4 header at off. ICMP echo
 * identifiers stand in for ports so that a reply is the reverse tuple of its
 * request. Protocols without ports leave them zero. */
static __always_inline int l4_ports(struct __sk_buff *skb, __u32 off, struct tuple *t,
				    __u8 *type, __u8 *code)
{
	switch (t->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP: {
		__be16 ports[2];
		if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)) < 0)
			return REASON_TRUNCATED;
		t->sport = ports[0];
		t->dport = ports[1];
		return REASON_NONE;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 hdr[8];
		if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
			return REASON_TRUNCATED;
		*type = hdr[0];
		*code = hdr[1];
		__be16 id;
		__builtin_memcpy(&id, &hdr[4], sizeof(id));
		if ((t->protocol == IPPROTO_ICMP && hdr[0] == 8) ||
		    (t->protocol == IPPROTO_ICMPV6 && hdr[0] == 128))
			t->sport = id; /* echo request */
		else if ((t->protocol == IPPROTO_ICMP && hdr[0] == 0) ||
			 (t->protocol == IPPROTO_ICMPV6 && hdr[0] == 129))
			t->dport = id; /* echo reply */
		return REASON_NONE;
	}
	}
	return REASON_NONE;
}

/* parse_related reads the datagram quoted by an ICMP error at off and stores
 * its tuple, reversed, in p->related. A quote we cannot read leaves the error
 * unrelated: it is then judged by policy like any other packet. */
static __always_inline void parse_related(struct __sk_buff *skb, __u32 off, struct pkt *p)
{
	struct tuple inner = {};
	__u8 type = 0, code = 0;
	__u32 l4;

	inner.family = p->t.family;
	if (p->t.family == AF_INET) {
		struct ipv4_hdr ip;
		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0)
			return;
		if ((ip.ver_ihl >> 4) != 4 || (ip.ver_ihl & 0xF) < 5)
			return;
		__builtin_memcpy(inner.saddr, ip.saddr, 4);
		__builtin_memcpy(inner.daddr, ip.daddr, 4);
		inner.protocol = ip.protocol;
		l4 = off + (ip.ver_ihl & 0xF) * 4;
	} else {
		struct ipv6_hdr ip6;
		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)) < 0)
			return;
		__builtin_memcpy(inner.saddr, ip6.saddr, 16);
		__builtin_memcpy(inner.daddr, ip6.daddr, 16);
		inner.protocol = ip6.nexthdr;
		l4 = off + sizeof(ip6);
	}
	if (l4_ports(skb, l4, &inner, &type, &code) != REASON_NONE)
		return;

	__builtin_memcpy(p->related.saddr, inner.daddr, 16);
	__builtin_memcpy(p->related.daddr, inner.saddr, 16);
	p->related.sport = inner.dport;
	p->related.dport = inner.sport;
	p->related.protocol = inner.protocol;
	p->related.family = inner.family;
	p->has_related = 1;
}

/* parse_l4 reads the transport header of a first (or only) fragment. */
static __always_inline int parse_l4(struct __sk_buff *skb, __u32 off, struct pkt *p)
{
	int reason = l4_ports(skb, off, &p->t, &p->icmp_type, &p->icmp_code);
	if (reason != REASON_NONE)
		return reason;

	switch (p->t.protocol) {
	case IPPROTO_TCP: {
		__u8 hdr[14];
		if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
			return REASON_TRUNCATED;
		if ((hdr[12] >> 4) < 5)
			return REASON_MALFORMED_L4;
		p->tcp_flags = hdr[13];
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (p->t.protocol == IPPROTO_ICMPV6 && is_icmp6_link_control(p->icmp_type))
			p->is_ip = 0;
		else if (is_icmp_error(p->t.protocol, p->icmp_type))
			parse_related(skb, off + 8, p);
		break;
	}
	return REASON_NONE;
}

/* parse_fragment resolves the ports of a fragmented datagram: the first
 * fragment records them, later ones look them up. key_proto is the protocol
 * every fragment names (IPv4's protocol, the IPv6 fragment header's next
 * header); for a first fragment p->t.protocol is the transport protocol. */
static __always_inline int parse_fragment(struct __sk_buff *skb, __u32 off, struct pkt *p,
					  __u32 id, __u8 key_proto, int first, int more)
{
	struct frag_key fk = {};

	__builtin_memcpy(fk.saddr, p->t.saddr, 16);
	__builtin_memcpy(fk.daddr, p->t.daddr, 16);
	fk.id = id;
	fk.protocol = key_proto;
	fk.family = p->t.family;

	if (first) {
		int reason = parse_l4(skb, off, p);
		if (reason != REASON_NONE)
			return reason;
		if (more)
			frag_record(&fk, p->t.sport, p->t.dport, p->t.protocol);
		return REASON_NONE;
	}
	if (!frag_resolve(&fk, &p->t.sport, &p->t.dport, &p->t.protocol))
		return REASON_FRAG_UNKNOWN;
	return REASON_NONE;
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, struct pkt *p)
{
	struct ipv4_hdr ip;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
		return REASON_TRUNCATED;
	__u32 hlen = (ip.ver_ihl & 0xF) * 4;
	if ((ip.ver_ihl >> 4) != 4 || hlen < sizeof(ip))
		return REASON_MALFORMED_IP;
	__u16 tot = bpf_ntohs(ip.tot_len);
	/* tot_len is 0 on BIG TCP aggregates larger than 64 KiB. */
	if (tot != 0 && tot < hlen)
		return REASON_MALFORMED_IP;

	p->is_ip = 1;
	p->t.family = AF_INET;
	p->t.protocol = ip.protocol;
	__builtin_memcpy(p->t.saddr, ip.saddr, 4);
	__builtin_memcpy(p->t.daddr, ip.daddr, 4);

	__u16 frag = bpf_ntohs(ip.frag_off);
	__u32 off = ETH_HLEN + hlen;
	if (frag & (IP_MF | IP_OFFSET))
		return parse_fragment(skb, off, p, bpf_ntohs(ip.id), ip.protocol,
				      !(frag & IP_OFFSET), !!(frag & IP_MF));
	return parse_l4(skb, off, p);
}

struct ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off; /* only in the fragment header */
	__be32 id;       /* only in the fragment header */
};

static __always_inline int parse_ipv6(struct __sk_buff *skb, struct pkt *p)
{
	struct ipv6_hdr ip6;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) < 0)
		return REASON_TRUNCATED;
	if ((bpf_ntohl(ip6.ver_tc_flow) >> 28) != 6)
		return REASON_MALFORMED_IP;

	p->is_ip = 1;
	p->t.family = AF_INET6;
	__builtin_memcpy(p->t.saddr, ip6.saddr, 16);
	__builtin_memcpy(p->t.daddr, ip6.daddr, 16);

	__u8 next = ip6.nexthdr;
	__u32 off = ETH_HLEN + sizeof(ip6);
	int frag = 0, first = 1, more = 0;
	__u32 id = 0;
	__u8 frag_next = 0;

	/* One pass per extension header, and one more for the transport. */
	for (int i = 0; i <= IPV6_MAX_EXT_HEADERS; i++) {
		struct ipv6_opt_hdr opt;

		switch (next) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
		case NEXTHDR_AUTH:
		case NEXTHDR_FRAGMENT:
			break;
		default:
			p->t.protocol = next;
			if (next == NEXTHDR_NONE)
				return REASON_NONE;
			if (frag)
				return parse_fragment(skb, off, p, id, frag_next, first, more);
			return parse_l4(skb, off, p);
		}
		if (i == IPV6_MAX_EXT_HEADERS)
			break;
		if (bpf_skb_load_bytes(skb, off, &opt, sizeof(opt)) < 0)
			return REASON_TRUNCATED;
		if (next == NEXTHDR_FRAGMENT) {
			__u16 fo = bpf_ntohs(opt.frag_off);
			frag = 1;
			first = (fo & 0xFFF8) == 0;
			more = fo & 1;
			id = bpf_ntohl(opt.id);
			frag_next = opt.nexthdr;
			off += 8;
			/* What follows a later fragment's header is payload. */
			if (!first) {
				p->t.protocol = frag_next;
				return parse_fragment(skb, off, p, id, frag_next, 0, more);
			}
		} else if (next == NEXTHDR_AUTH) {
			off += (opt.hdrlen + 2) * 4;
		} else {
			off += (opt.hdrlen + 1) * 8;
		}
		next = opt.nexthdr;
	}
	return REASON_IPV6_EXT_LIMIT;
}

/* parse_packet fills p and returns REASON_NONE, or the reason to drop it. */
static __always_inline int parse_packet(struct __sk_buff *skb, struct pkt *p)
{
	__be16 proto;

	p->len = skb->len;
	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)) < 0)
		return REASON_TRUNCATED;
	switch (bpf_ntohs(proto)) {
	case ETH_P_IP:
		return parse_ipv4(skb, p);
	case ETH_P_IPV6:
		return parse_ipv6(skb, p);
	case ETH_P_ARP:
		return REASON_NONE;
	}
	return REASON_UNKNOWN_L3;
}

#endif
