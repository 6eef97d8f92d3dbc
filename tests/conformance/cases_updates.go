package conformance

import "strings"

// step is a step checked on TCP/80 over IPv4.
func step(name string, reach Reach, policies ...string) Step {
	return Step{Name: name, Policies: policies, Expect: []Expect{tcp80(reach)}}
}

// relabel returns s with labels replaced: keys with a "/" are pods, the
// others namespaces.
func relabel(s Step, labels map[string]map[string]string) Step {
	for k, l := range labels {
		if strings.Contains(k, "/") {
			if s.PodLabels == nil {
				s.PodLabels = map[string]map[string]string{}
			}
			s.PodLabels[k] = l
		} else {
			if s.NamespaceLabels == nil {
				s.NamespaceLabels = map[string]map[string]string{}
			}
			s.NamespaceLabels[k] = l
		}
	}
	return s
}

func updateCases() []Case {
	denyX := np("x", "deny-ingress", `{podSelector: {}, policyTypes: [Ingress]}`)
	fromClient := np("x", "from-client", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {role: client}}}]}]}`)
	fromBlue := np("x", "from-blue", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}`)
	isolate := np("x", "isolate", `{podSelector: {matchLabels: {isolated: "true"}}, policyTypes: [Ingress]}`)
	return []Case{
		{Name: "update/removing a policy stops enforcing it", CI: true, Steps: []Step{
			step("deny ingress in x", noneIntoX, denyX),
			step("policy removed", All()),
		}},
		{Name: "update/a changed policy allows its new port", CI: true, Steps: []Step{
			{Name: "allow 81 only", Policies: []string{np("x", "port", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 81}]}]}`)},
				Expect: []Expect{on(tcp, 80, false, noneIntoXA), on(tcp, 81, false, All())}},
			{Name: "allow 80 only", Policies: []string{np("x", "port", `{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 80}]}]}`)},
				Expect: []Expect{on(tcp, 80, false, All()), on(tcp, 81, false, noneIntoXA)}},
		}},
		{Name: "update/a changed policy selects other peers", Steps: []Step{
			step("from namespace y", noneIntoXA.Allow("y/*", "x/a"), fromNS("y")),
			step("from namespace z", noneIntoXA.Allow("z/*", "x/a"), fromNS("z")),
		}},
		{Name: "update/a client labelled into a rule is allowed, and out again denied", CI: true, Steps: []Step{
			step("no client", noneIntoXA, fromClient),
			relabel(step("y/b labelled client", noneIntoXA.Allow("y/b", "x/a"), fromClient),
				map[string]map[string]string{"y/b": {"pod": "b", "role": "client"}}),
			step("label removed", noneIntoXA, fromClient),
		}},
		{Name: "update/a server labelled into a policy is isolated", Steps: []Step{
			step("nobody isolated", All(), isolate),
			relabel(step("x/b labelled isolated", All().Deny("*", "x/b"), isolate),
				map[string]map[string]string{"x/b": {"pod": "b", "isolated": "true"}}),
			step("label removed", All(), isolate),
		}},
		{Name: "update/a namespace labelled into a rule is allowed", CI: true, Steps: []Step{
			step("no blue namespace", noneIntoXA, fromBlue),
			relabel(step("namespace y labelled blue", noneIntoXA.Allow("y/*", "x/a"), fromBlue),
				map[string]map[string]string{"y": {"ns": "y", "team": "blue"}}),
			relabel(step("blue moved to namespace z", noneIntoXA.Allow("z/*", "x/a"), fromBlue),
				map[string]map[string]string{"z": {"ns": "z", "team": "blue"}}),
		}},
		{Name: "update/a relabelled pod leaves the policy's selector", Steps: []Step{
			step("x/a isolated", noneIntoXA, np("x", "deny-a", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}`)),
			relabel(step("x/a relabelled", All(), np("x", "deny-a", `{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}`)),
				map[string]map[string]string{"x/a": {"pod": "renamed"}}),
		}},
		{Name: "update/adding an egress policy isolates the client", Steps: []Step{
			step("ingress only", noneIntoXA.Allow("x/b", "x/a"),
				np("x", "from-b", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}`)),
			step("x/b may only reach z", noneIntoXA.Deny("x/b", "*").Allow("x/b", "z/*"),
				np("x", "from-b", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}`),
				np("x", "b-to-z", `{podSelector: {matchLabels: {pod: b}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}]}]}`)),
		}},
	}
}

// fromNS is the policy "x/from-ns": x/a allows ingress from namespace ns.
func fromNS(ns string) string {
	return np("x", "from-ns", `{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "`+ns+`"}}}]}]}`)
}
