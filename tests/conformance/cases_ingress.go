package conformance

func ingressCases() []Case {
	return []Case{
		one("ingress/no policy allows everything", true, All()),
		one("ingress/default deny for a namespace", true, noneIntoX,
			np("x", "deny-ingress", `{podSelector: {}, policyTypes: [Ingress]}`)),
		one("ingress/an empty rule list denies", false, noneIntoX,
			np("x", "no-rules", `{podSelector: {}, ingress: []}`)),
		one("ingress/one empty rule allows every peer", false, All(),
			np("x", "allow-all", `{podSelector: {}, ingress: [{}]}`)),
		one("ingress/a policy isolates only the pods it selects", false, noneIntoXA,
			np("x", "deny-a", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}`)),
		one("ingress/a policy applies in its own namespace only", false, All().Deny("*", "y/a"),
			np("y", "deny-a", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}`)),
		one("ingress/from every pod of the own namespace", true, noneIntoX.Allow("x/*", "x/*"),
			np("x", "same-ns", `{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}`)),
		one("ingress/from one pod of the own namespace", false, noneIntoXA.Allow("x/b", "x/a"),
			np("x", "from-b", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}`)),
		one("ingress/from a namespace by label", true, noneIntoXA.Allow("y/*", "x/a"),
			np("x", "from-y", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]}`)),
		one("ingress/from a namespace by the name label the API server sets", false, noneIntoXA.Allow("y/*", "x/a"),
			np("x", "from-y", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}`)),
		one("ingress/from every namespace", false, All(),
			np("x", "from-all-ns", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {}}]}]}`)),
		one("ingress/from the other namespaces by NotIn", false, noneIntoXA.Allow("y/*", "x/a").Allow("z/*", "x/a"),
			np("x", "not-x", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}}]}]}`)),
		one("ingress/pod and namespace selector in one peer select both at once", true, noneIntoXA.Allow("y/b", "x/a"),
			np("x", "and", `
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: ["y"]}]}
      podSelector: {matchLabels: {pod: b}}`)),
		one("ingress/pod and namespace selector in two peers select either", false, noneIntoXA.Allow("y/*", "x/a").Allow("x/b", "x/a"),
			np("x", "or", `
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {ns: "y"}}
    - podSelector: {matchLabels: {pod: b}}`)),
		one("ingress/podSelector with matchExpressions", false, noneIntoXA.Allow("x/b", "x/a").Allow("x/c", "x/a"),
			np("x", "in-b-c", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}}]}]}`)),
		one("ingress/matchExpressions on pods and namespaces", false,
			noneIntoXA.Allow("y/a", "x/a").Allow("y/b", "x/a").Allow("z/a", "x/a").Allow("z/b", "x/a"),
			np("x", "exprs", `
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
      podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [c]}]}`)),
		one("ingress/Exists selects every labelled pod", false, All(),
			np("x", "exists", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: pod, operator: Exists}]}}]}]}`)),
		one("ingress/DoesNotExist on a label every pod has selects none", false, noneIntoXA,
			np("x", "none", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: pod, operator: DoesNotExist}]}}]}]}`)),
		one("ingress/two policies on one pod allow the union", true, noneIntoXA.Allow("x/b", "x/a").Allow("y/c", "x/a"),
			np("x", "from-b", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}`),
			np("x", "from-y-c", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: c}}}]}]}`)),
		one("ingress/stacked policies with overlapping pod selectors", false,
			noneIntoX.Allow("x/*", "x/*").Allow("y/*", "x/a"),
			np("x", "same-ns", `{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}`),
			np("x", "a-from-y", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]}`)),
		one("ingress/an allow-all policy outweighs a deny-all one", false, All(),
			np("x", "deny-ingress", `{podSelector: {}, policyTypes: [Ingress]}`),
			np("x", "allow-all", `{podSelector: {}, ingress: [{}]}`)),
		one("ingress/egress rules of an ingress-only policy are ignored", false, noneIntoXA,
			np("x", "ingress-only", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress], egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]}`)),
	}
}
