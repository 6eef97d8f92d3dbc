package v1alpha1

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// FuzzDecodeValidate decodes a policy document and validates it: neither may
// panic, a valid policy survives a JSON round trip unchanged and valid, and
// the API server accepts it but for its size limits (maxItems, maxLength),
// which the agent does not enforce. It is seeded with the examples and the
// validation test cases.
func FuzzDecodeValidate(f *testing.F) {
	servers := newAPIServers(f)
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		docs, err := splitDocs(data)
		if err != nil {
			f.Fatal(err)
		}
		for _, doc := range docs {
			f.Add(doc)
		}
	}
	specs := append([]string(nil), validSpecs...)
	for _, tc := range invalidSpecs {
		specs = append(specs, tc.spec)
	}
	for _, spec := range specs {
		p := &ZeroTrustPolicy{TypeMeta: metav1.TypeMeta{APIVersion: SchemeGroupVersion.String(), Kind: "ZeroTrustPolicy"}}
		p.Name, p.Namespace = "p", "ns"
		if err := yaml.UnmarshalStrict([]byte(spec), &p.Spec); err != nil {
			f.Fatalf("seed %s: %v", spec, err)
		}
		doc, err := yaml.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}

	f.Fuzz(func(t *testing.T, doc []byte) {
		p := newPolicy(doc)
		if p == nil {
			p = &ZeroTrustPolicy{}
		}
		if yaml.Unmarshal(doc, p) != nil {
			return
		}
		p.Warnings(testTrustDomain)
		if p.Validate(testTrustDomain) != nil {
			return
		}
		// Status and server-set metadata are not what users write, and
		// metav1.Time keeps only seconds in JSON.
		normalize(p)
		j1, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal a valid policy: %v", err)
		}
		back := reflect.New(reflect.TypeOf(p).Elem()).Interface().(policy)
		if err := json.Unmarshal(j1, back); err != nil {
			t.Fatalf("unmarshal %s: %v", j1, err)
		}
		if !equality.Semantic.DeepEqual(p, back) {
			t.Fatalf("round trip changed the policy:\n%#v\n%#v", p, back)
		}
		j2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(j1, j2) {
			t.Fatalf("second marshal differs (%v):\n%s\n%s", err, j1, j2)
		}
		if err := back.Validate(testTrustDomain); err != nil {
			t.Fatalf("valid before the round trip, not after: %v", err)
		}

		kind := "ZeroTrustPolicy"
		if _, ok := p.(*ClusterZeroTrustPolicy); ok {
			kind = "ClusterZeroTrustPolicy"
		}
		for _, err := range servers[kind].validate(t, j1) {
			if err.Type != field.ErrorTypeTooMany && err.Type != field.ErrorTypeTooLong {
				t.Fatalf("valid for the agent, rejected by the API server: %v\n%s", err, j1)
			}
		}
	})
}

func normalize(p policy) {
	var m *metav1.ObjectMeta
	switch p := p.(type) {
	case *ZeroTrustPolicy:
		m, p.Status = &p.ObjectMeta, ZeroTrustPolicyStatus{}
	case *ClusterZeroTrustPolicy:
		m, p.Status = &p.ObjectMeta, ZeroTrustPolicyStatus{}
	}
	*m = metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, Labels: m.Labels, Annotations: m.Annotations}
}
