// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
//go:build ignore

/* The endpoint programs, attached with TCX to the host side of each local
 * pod's veth: zeta_from_pod at ingress (what the pod sends), zeta_to_pod at
 * egress (what the pod receives). */

#include "lib/common.h"
#include "lib/parse.h"
#include "lib/endpoint.h"
#include "lib/ipcache.h"
#include "lib/policy.h"
#include "lib/conntrack.h"
#include "lib/intercept.h"
#include "lib/metrics.h"
#include "lib/flow.h"

static __always_inline int has_ports(__u8 protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_SCTP;
}

static __always_inline int drop(struct __sk_buff *skb, const struct endpoint_info *ep,
				const struct pkt *p, __u32 peer, __u8 dir, __u8 reason, __u32 rule)
{
	metrics_count(ep->id, VERDICT_DENY, reason, dir, p->len);
	flow_emit(p, ep, skb->ifindex, peer, dir, VERDICT_DENY, reason, rule);
	return TCX_DROP;
}

static __always_inline int handle(struct __sk_buff *skb, __u8 dir)
{
	__u32 ifindex = skb->ifindex;
	struct endpoint_info *ep = bpf_map_lookup_elem(&zeta_endpoints, &ifindex);
	if (!ep) {
		metrics_count(0, VERDICT_ALLOW, REASON_NO_ENDPOINT, dir, skb->len);
		return TCX_NEXT;
	}

	struct pkt p = {};
	int reason = parse_packet(skb, &p);
	if (reason != REASON_NONE)
		return drop(skb, ep, &p, IDENTITY_WORLD, dir, reason, 0);
	if (!p.is_ip) {
		metrics_count(ep->id, VERDICT_ALLOW, REASON_NONE, dir, p.len);
		return TCX_NEXT;
	}

	struct ct_entry *entry = 0;
	int ct = ct_lookup(&p.t, dir, &p, 1, &entry);
	if (entry && entry->proxied)
		intercept_established(skb, &p);
	if (ct != CT_NEW || (p.has_related && ct_lookup(&p.related, dir, &p, 0, 0) != CT_NEW)) {
		metrics_count(ep->id, VERDICT_ALLOW, REASON_NONE, dir, p.len);
		return TCX_NEXT;
	}

	__u32 peer = ipcache_lookup(p.t.family, dir == DIR_EGRESS ? p.t.daddr : p.t.saddr);
	__u32 rule = 0;
	__be16 port = has_ports(p.t.protocol) ? p.t.dport : 0;
	__u8 verdict = policy_lookup(ep->id, dir, peer, p.t.protocol, port, &rule);

	switch (verdict) {
	case VERDICT_NONE:
		if (ep_enforced(ep, dir)) {
			verdict = VERDICT_DENY;
			reason = REASON_POLICY_DEFAULT;
		} else {
			verdict = VERDICT_ALLOW;
		}
		break;
	case VERDICT_DENY:
	case VERDICT_AUDIT:
		reason = REASON_POLICY_DENY;
		break;
	case VERDICT_REDIRECT:
		/* Allowed on condition of the proxy that enforces mutual TLS or
		 * L7 rules. The source's datapath steers such connections into
		 * its node's proxy, which connects from the node: a TCP
		 * connection to a port the intercept map names that arrives from
		 * anywhere else has bypassed the proxy. Without an intercept
		 * entry (no proxy runs), and for other protocols, which no proxy
		 * carries, it passes and is recorded as redirected. */
		if (dir == DIR_INGRESS && p.t.protocol == IPPROTO_TCP && !from_proxy(skb, peer) &&
		    intercept_lookup(&p.t)) {
			verdict = VERDICT_DENY;
			reason = REASON_PROXY_BYPASS;
		}
		break;
	}
	if (verdict == VERDICT_DENY && ep_audit(ep, dir))
		verdict = VERDICT_AUDIT;
	if (verdict == VERDICT_DENY)
		return drop(skb, ep, &p, peer, dir, reason, rule);

	/* A connection the source's own policy lets out goes to the proxy if
	 * its destination requires one; without a proxy to take it, it could
	 * only be dropped at the destination. */
	int steered = dir == DIR_EGRESS ? intercept_new(skb, &p) : 0;
	if (steered < 0)
		return drop(skb, ep, &p, peer, dir, REASON_PROXY_UNAVAILABLE, rule);
	if (steered && verdict == VERDICT_ALLOW)
		verdict = VERDICT_REDIRECT;

	ct_create(&p.t, &p, ep->id, peer, rule, verdict);
	if (steered)
		intercept_remember(&p.t);
	metrics_count(ep->id, verdict, reason, dir, p.len);
	flow_emit(&p, ep, ifindex, peer, dir, verdict, reason, rule);
	return TCX_NEXT;
}

SEC("tcx/ingress")
int zeta_from_pod(struct __sk_buff *skb)
{
	return handle(skb, DIR_EGRESS);
}

SEC("tcx/egress")
int zeta_to_pod(struct __sk_buff *skb)
{
	return handle(skb, DIR_INGRESS);
}

char __license[] SEC("license") = "Dual BSD/GPL";
