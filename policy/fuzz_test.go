package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

// FuzzCompile feeds NetworkPolicy YAML to Validate and the Compiler.
// Neither may panic; a policy Validate accepts must compile for every pod
// into normalised, sorted entries whose rules are all known; one it
// rejects must be reported invalid and change no pod's policy.
func FuzzCompile(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	c := newCluster()
	empty := c.world(f, c.input())
	f.Fuzz(func(t *testing.T, data []byte) {
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.Unmarshal(data, np); err != nil {
			return
		}
		valid := Validate(np) == nil
		w := c.world(t, c.input(np))
		if _, reported := w.comp.Invalid()[policyKey("NetworkPolicy", np.Namespace, np.Name)]; reported == valid {
			t.Fatalf("Validate says valid=%v, Invalid() reports it: %v", valid, reported)
		}
		checkFuzzed(t, w, empty, valid)
	})
}

// FuzzCompileZeroTrust feeds ZeroTrustPolicy YAML to its validation and
// the Compiler, with the same demands as FuzzCompile, seeded with the
// examples' policies.
func FuzzCompileZeroTrust(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "examples", "policies", "*.yaml"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in examples/policies: %v", err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		for doc := range strings.SplitSeq(string(data), "\n---\n") {
			if strings.Contains(doc, "kind: ZeroTrustPolicy") {
				f.Add([]byte(doc))
			}
		}
	}
	c := newCluster()
	empty := c.world(f, c.input())
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &v1alpha1.ZeroTrustPolicy{}
		if err := yaml.Unmarshal(data, p); err != nil {
			return
		}
		valid := p.Validate(testTrustDomain.Name()) == nil
		in := c.input()
		in.ZeroTrustPolicies = []*v1alpha1.ZeroTrustPolicy{p}
		w := c.world(t, in)
		if _, reported := w.comp.Invalid()[policyKey("ZeroTrustPolicy", p.Namespace, p.Name)]; reported == valid {
			t.Fatalf("Validate says valid=%v, Invalid() reports it: %v", valid, reported)
		}
		checkFuzzed(t, w, empty, valid)
	})
}

// checkFuzzed checks what w, a world with one fuzzed policy, compiles for
// every pod: nothing but empty's if the policy is invalid, and in any case
// normalised entries whose rules are all known.
func checkFuzzed(t *testing.T, w, empty *world, valid bool) {
	t.Helper()
	for _, name := range podNames {
		ep := w.compile(t, name)
		if !valid && !reflect.DeepEqual(ep, empty.compile(t, name)) {
			t.Fatalf("Compile(%s): an invalid policy applied: %+v", name, ep)
		}
		if norm := Normalize(ep.Entries); !slices.Equal(norm, ep.Entries) {
			t.Fatalf("Compile(%s) entries are not normalised:\n%+v\nnormalised:\n%+v", name, ep.Entries, norm)
		}
		for _, e := range ep.Entries {
			if _, ok := ep.Rules[e.Rule]; !ok {
				t.Fatalf("Compile(%s): entry %+v has no rule", name, e)
			}
		}
	}
}
