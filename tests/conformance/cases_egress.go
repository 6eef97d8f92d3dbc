package conformance

func egressCases() []Case {
	return []Case{
		one("egress/default deny for a namespace", true, All().Deny("x/*", "*"),
			np("x", "deny-egress", `{podSelector: {}, policyTypes: [Egress]}`)),
		one("egress/default deny for one pod", false, noneFromXA,
			np("x", "deny-a", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}`)),
		one("egress/to a namespace", true, noneFromXA.Allow("x/a", "y/*"),
			np("x", "to-y", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]}`)),
		one("egress/to one pod of another namespace", false, noneFromXA.Allow("x/a", "z/c"),
			np("x", "to-z-c", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}, podSelector: {matchLabels: {pod: c}}}]}]}`)),
		one("egress/to the own namespace but one pod", false, noneFromXA.Allow("x/a", "x/c"),
			np("x", "not-b", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [b]}]}}]}]}`)),
		one("egress/egress rules without policyTypes enforce egress too", false,
			noneIntoXA.Deny("x/a", "*").Allow("x/a", "y/*"),
			np("x", "implicit", `{podSelector: {matchLabels: {pod: a}}, egress: [{to: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]}`)),
		one("egress/an allow-all policy outweighs a deny-all one", false, All(),
			np("x", "deny-egress", `{podSelector: {}, policyTypes: [Egress]}`),
			np("x", "allow-all", `{podSelector: {}, policyTypes: [Egress], egress: [{}]}`)),
		one("egress/deny all in both directions", true, isolatedAll,
			np("x", "deny-all", `{podSelector: {}, policyTypes: [Ingress, Egress]}`)),
		one("egress/ingress and egress rules in one policy", false,
			noneIntoXA.Allow("y/*", "x/a").Deny("x/a", "*").Allow("x/a", "z/*"),
			np("x", "both", `
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}]}]`)),
		one("egress/the client's egress denies what the server's ingress allows", true,
			All().Deny("*", "y/b").Allow("x/*", "y/b").Deny("x/a", "*").Allow("x/a", "z/*"),
			np("x", "a-to-z", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}]}]}`),
			np("y", "b-from-x", `{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: x}}}]}]}`)),
		one("egress/ingress and egress of one pod are independent", false,
			All().Deny("x/a", "*").Allow("x/a", "x/b"),
			np("x", "a-egress-to-b", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]}`),
			np("x", "a-ingress-any", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], ingress: [{}]}`)),
	}
}
