package conformance

import "slices"

// Cases are every behaviour of the suite, in a stable order.
func Cases() []Case {
	return slices.Concat(ingressCases(), egressCases(), portCases(), updateCases(), ipBlockCases())
}

// one is a case of a single step checked on TCP/80 over IPv4.
func one(name string, ci bool, reach Reach, policies ...string) Case {
	return Case{Name: name, CI: ci, Steps: []Step{{Name: name, Policies: policies, Expect: []Expect{tcp80(reach)}}}}
}

// Reachability shared by several cases.
var (
	noneIntoX   = All().Deny("*", "x/*")
	noneIntoXA  = All().Deny("*", "x/a")
	noneFromXA  = All().Deny("x/a", "*")
	isolatedAll = All().Deny("x/*", "*").Deny("*", "x/*")
)
