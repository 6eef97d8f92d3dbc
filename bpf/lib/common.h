/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Types and constants shared by every datapath header. Every struct here has
 * a Go twin whose layout a test checks against this object's BTF. */
#ifndef __ZETA_COMMON_H
#define __ZETA_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* TCX verdicts (include/uapi/linux/bpf.h since 6.6; the vendored header is older). */
#define TCX_NEXT -1
#define TCX_PASS 0
#define TCX_DROP 2

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD

#define AF_INET 2
#define AF_INET6 10

#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ICMPV6 58
#define IPPROTO_SCTP 132

/* Direction is always the pod's point of view. */
enum zeta_direction {
	DIR_INGRESS = 0, /* to the pod: TCX egress of the host-side veth */
	DIR_EGRESS = 1,  /* from the pod: TCX ingress of the host-side veth */
};

enum zeta_verdict {
	VERDICT_NONE = 0,
	VERDICT_ALLOW = 1,
	VERDICT_DENY = 2,
	VERDICT_AUDIT = 3, /* would have been denied; let through and logged */
	VERDICT_REDIRECT = 4, /* allowed on condition of a proxy (mTLS, L7): see endpoint.c */
};

/* Why a packet was dropped (or, for VERDICT_AUDIT, would have been). */
enum zeta_reason {
	REASON_NONE = 0,
	REASON_POLICY_DENY = 1,    /* a deny rule matched */
	REASON_POLICY_DEFAULT = 2, /* no rule allowed it and the direction is enforced */
	REASON_TRUNCATED = 3,      /* shorter than its headers */
	REASON_MALFORMED_IP = 4,   /* bad version, header length or total length */
	REASON_FRAG_UNKNOWN = 5,   /* non-first fragment whose first was not seen */
	REASON_IPV6_EXT_LIMIT = 6, /* more IPv6 extension headers than we walk */
	REASON_UNKNOWN_L3 = 7,     /* neither IPv4, IPv6 nor ARP */
	REASON_MALFORMED_L4 = 8,   /* e.g. TCP data offset below 5 */
	REASON_NO_ENDPOINT = 9,    /* attached to an interface the agent does not know (passed) */
	REASON_PROXY_BYPASS = 10,  /* plaintext to a port that requires the proxy */
	REASON_PROXY_UNAVAILABLE = 11, /* the destination requires the proxy and none listens */
	REASON_MAX,
};

/* Reserved security identities; pods get 256 and up. */
#define IDENTITY_ANY 0
#define IDENTITY_HOST 1
#define IDENTITY_WORLD 2
#define IDENTITY_UNMANAGED 3

#define SEC_NS 1000000000ULL

#endif
