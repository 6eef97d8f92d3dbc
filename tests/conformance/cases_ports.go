package conformance

import corev1 "k8s.io/api/core/v1"

const (
	tcp = corev1.ProtocolTCP
	udp = corev1.ProtocolUDP
)

// ports is a case of one step checked on TCP and UDP, 80 and 81, IPv4,
// with the expectation for each (TCP/80, TCP/81, UDP/80, UDP/81).
func ports(name string, ci bool, t80, t81, u80, u81 Reach, policies ...string) Case {
	return Case{Name: name, CI: ci, Steps: []Step{{Name: name, Policies: policies, Expect: []Expect{
		on(tcp, 80, false, t80), on(tcp, 81, false, t81), on(udp, 80, false, u80), on(udp, 81, false, u81),
	}}}}
}

func portCases() []Case {
	fromY := noneIntoXA.Allow("y/*", "x/a")
	fromAll := All()
	return []Case{
		ports("ports/one port from one namespace", true, noneIntoXA, fromY, noneIntoXA, noneIntoXA,
			np("x", "y-on-81", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: 81, protocol: TCP}]}]}`)),
		ports("ports/protocol defaults to TCP", false, noneIntoXA, fromAll, noneIntoXA, noneIntoXA,
			np("x", "81", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 81}]}]}`)),
		ports("ports/rules with different ports and peers", false,
			noneIntoXA.Allow("x/b", "x/a"), fromY, noneIntoXA, noneIntoXA,
			np("x", "split", `
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{port: 80}]
  - from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]
    ports: [{port: 81}]`)),
		ports("ports/two ports in one rule", false, fromY, fromY, noneIntoXA, noneIntoXA,
			np("x", "two", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: 80}, {port: 81}]}]}`)),
		ports("ports/two policies with one port each", false, fromY, noneIntoXA.Allow("z/*", "x/a"), noneIntoXA, noneIntoXA,
			np("x", "y-80", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: 80}]}]}`),
			np("x", "z-81", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{port: 81}]}]}`)),
		ports("ports/a named port on ingress", true, noneIntoXA, fromAll, noneIntoXA, noneIntoXA,
			np("x", "named", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: serve-81-tcp}]}]}`)),
		ports("ports/a named UDP port on ingress", false, noneIntoXA, noneIntoXA, noneIntoXA, fromY,
			np("x", "named-udp", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: serve-81-udp, protocol: UDP}]}]}`)),
		ports("ports/a named port whose protocol differs matches nothing", false, noneIntoXA, noneIntoXA, noneIntoXA, noneIntoXA,
			np("x", "named-wrong", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: serve-81-tcp, protocol: UDP}]}]}`)),
		ports("ports/a named port on egress is the destination's", true,
			noneFromXA.Allow("x/a", "*"), noneFromXA, noneFromXA, noneFromXA,
			np("x", "named-egress", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{ports: [{port: serve-80-tcp}]}]}`)),
		ports("ports/a range with endPort", false, fromY, fromY, noneIntoXA, noneIntoXA,
			np("x", "range", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: 80, endPort: 81, protocol: TCP}]}]}`)),
		ports("ports/a range that starts above 80", false, noneIntoXA, fromY, noneIntoXA, fromY,
			np("x", "range", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: 81, endPort: 1000, protocol: TCP}, {port: 81, endPort: 90, protocol: UDP}]}]}`)),
		ports("ports/a protocol without a port allows all its ports", false, noneIntoXA, noneIntoXA, fromAll, fromAll,
			np("x", "udp", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: UDP}]}]}`)),
		ports("ports/a UDP rule does not allow TCP", false, noneIntoXA, noneIntoXA, fromAll, noneIntoXA,
			np("x", "udp-80", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: UDP, port: 80}]}]}`)),
		ports("ports/an SCTP rule isolates the pod and allows no TCP or UDP", false, noneIntoXA, noneIntoXA, noneIntoXA, noneIntoXA,
			np("x", "sctp", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: SCTP, port: 80}]}]}`)),
		ports("ports/egress to one port of a namespace", false,
			noneFromXA.Allow("x/a", "z/*"), noneFromXA, noneFromXA, noneFromXA.Allow("x/a", "z/*"),
			np("x", "egress-ports", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{port: 80, protocol: TCP}, {port: 81, protocol: UDP}]}]}`)),
	}
}
