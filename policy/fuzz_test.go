package policy

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// FuzzCompile feeds NetworkPolicy YAML to Validate and Compile. Neither may
// panic; a policy Validate accepts must compile for every pod into
// normalised, sorted entries whose rules are all known; one it rejects must
// make Compile fail for the pods of its namespace.
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
	f.Fuzz(func(t *testing.T, data []byte) {
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.Unmarshal(data, np); err != nil {
			return
		}
		valid := Validate(np) == nil
		in := c.input(np)
		for _, name := range podNames {
			pod := c.pods[name]
			ep, err := Compile(in, pod)
			switch {
			case np.Namespace != pod.Namespace:
				if err != nil {
					t.Fatalf("Compile(%s) of a policy in %q: %v", name, np.Namespace, err)
				}
			case valid && err != nil:
				t.Fatalf("Compile(%s) of a valid policy: %v", name, err)
			case !valid && err == nil:
				t.Fatalf("Compile(%s) of an invalid policy: no error", name)
			}
			if err != nil {
				continue
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
	})
}
