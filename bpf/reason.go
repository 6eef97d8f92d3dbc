package bpf

import "fmt"

// Reason says why the datapath dropped a packet (or, with an audit
// verdict, would have); values match enum zeta_reason in lib/common.h.
type Reason uint8

// Reasons, in the order of enum zeta_reason.
const (
	ReasonNone             Reason = 0
	ReasonPolicyDeny       Reason = 1
	ReasonPolicyDefault    Reason = 2
	ReasonTruncated        Reason = 3
	ReasonMalformedIP      Reason = 4
	ReasonFragUnknown      Reason = 5
	ReasonIPv6ExtLimit     Reason = 6
	ReasonUnknownL3        Reason = 7
	ReasonMalformedL4      Reason = 8
	ReasonNoEndpoint       Reason = 9
	ReasonProxyBypass      Reason = 10 // plaintext to a port that requires the proxy (lib/intercept.h)
	ReasonProxyUnavailable Reason = 11 // the destination requires the proxy and none listens on this node
)

var reasonNames = [...]string{
	ReasonNone:             "none",
	ReasonPolicyDeny:       "policy_deny",
	ReasonPolicyDefault:    "policy_default_deny",
	ReasonTruncated:        "truncated",
	ReasonMalformedIP:      "malformed_ip",
	ReasonFragUnknown:      "fragment_unknown",
	ReasonIPv6ExtLimit:     "ipv6_ext_header_limit",
	ReasonUnknownL3:        "unknown_l3",
	ReasonMalformedL4:      "malformed_l4",
	ReasonNoEndpoint:       "no_endpoint",
	ReasonProxyBypass:      "proxy_bypass",
	ReasonProxyUnavailable: "proxy_unavailable",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}
