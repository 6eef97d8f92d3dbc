package conformance

func ipBlockCases() []Case {
	both := func(name string, ci bool, reach Reach, policies ...string) Case {
		return Case{Name: name, CI: ci, Steps: []Step{{
			Name: name, Policies: policies,
			Expect: []Expect{on(tcp, 80, false, reach), on(tcp, 80, true, reach)},
		}}}
	}
	elsewhere := both("ipblock/an address range that holds no pod allows none", false, noneIntoXA,
		np("x", "elsewhere", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: 192.0.2.0/24}}, {ipBlock: {cidr: "2001:db8::/32"}}]}]}`))
	return []Case{
		elsewhere,
		both("ipblock/ingress from one pod's address", true, noneIntoXA.Allow("y/b", "x/a"),
			np("x", "from-y-b", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: "{{ip4 "y/b"}}/32"}}, {ipBlock: {cidr: "{{ip6 "y/b"}}/128"}}]}]}`)),
		both("ipblock/egress to one pod's address", false, noneFromXA.Allow("x/a", "z/c"),
			np("x", "to-z-c", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: "{{ip4 "z/c"}}/32"}}, {ipBlock: {cidr: "{{ip6 "z/c"}}/128"}}]}]}`)),
		both("ipblock/ingress from every pod's network but the excepted", true,
			All().Deny("x/b", "x/a").Deny("y/b", "x/a"),
			np("x", "except", `
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - ipBlock: {cidr: "{{cidr4 "x/b" 8}}", except: ["{{ip4 "x/b"}}/32", "{{ip4 "y/b"}}/32"]}
    - ipBlock: {cidr: "{{cidr6 "x/b" 16}}", except: ["{{ip6 "x/b"}}/128", "{{ip6 "y/b"}}/128"]}`)),
		both("ipblock/egress to every pod's network but the excepted", false, All().Deny("x/a", "z/a"),
			np("x", "except", `
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: "{{cidr4 "z/a" 8}}", except: ["{{ip4 "z/a"}}/32"]}
    - ipBlock: {cidr: "{{cidr6 "z/a" 16}}", except: ["{{ip6 "z/a"}}/128"]}`)),
		both("ipblock/an excepted address allowed by another policy is allowed", false, All(),
			np("x", "except", `
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - ipBlock: {cidr: "{{cidr4 "y/b" 8}}", except: ["{{ip4 "y/b"}}/32"]}
    - ipBlock: {cidr: "{{cidr6 "y/b" 16}}", except: ["{{ip6 "y/b"}}/128"]}`),
			np("x", "y-b", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: b}}}]}]}`)),
		both("ipblock/egress to everywhere allows every pod", false, All(),
			np("x", "anywhere", `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: "::/0"}}]}]}`)),
	}
}
