package conformance

import (
	"fmt"
	"sync"
	"testing"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy/offline"
)

// Feature is a capability some cases need, named for the skip message.
type Feature string

// PodIPBlock is an ipBlock peer selecting the pods whose addresses it
// holds, as upstream's suite expects, rather than only addresses outside
// the cluster.
const PodIPBlock Feature = "ipBlock peers that hold pod addresses (CIDR identities in the policy compiler)"

var missing = map[Feature]func() (bool, error){
	PodIPBlock: sync.OnceValues(podIPBlockMissing),
}

// Missing reports whether Zeta lacks f, finding out by trying it offline
// in Go, so that a case needing it is skipped only while it is truly
// missing and runs as soon as it lands.
func Missing(f Feature) (bool, error) {
	try, ok := missing[f]
	if !ok {
		return false, fmt.Errorf("unknown feature %q", f)
	}
	return try()
}

// podIPBlockMissing tries whether an ipBlock of y/b's address lets y/b
// reach x/a, which a policy otherwise isolates.
func podIPBlockMissing() (bool, error) {
	base, err := BuildOffline(Step{}, offline.DefaultConfig(), "")
	if err != nil {
		return false, err
	}
	s := Step{Policies: []string{np("x", "from-y-b",
		`{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: "{{ip4 "y/b"}}/32"}}]}]}`)}}
	m, err := BuildOffline(s, offline.DefaultConfig(), "", ModelAddrs(base))
	if err != nil {
		return false, err
	}
	j, err := offline.Judge(offline.Go{}, m, "y/b", "x/a", bpf.ProtoTCP, 80, false)
	if err != nil {
		return false, err
	}
	return !j.Allowed, nil
}

// RequireFeatures skips the test of c, naming what is missing, while Zeta
// lacks a feature c needs.
func RequireFeatures(tb testing.TB, c Case) {
	tb.Helper()
	for _, f := range c.Requires {
		gone, err := Missing(f)
		if err != nil {
			tb.Fatalf("find out whether Zeta has %s: %v", f, err)
		}
		if gone {
			tb.Skipf("not yet implemented in Zeta: %s", f)
		}
	}
}
