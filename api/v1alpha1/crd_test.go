package v1alpha1

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// crdDir holds the CRDs controller-gen generates from this package.
const crdDir = "../../deploy/crds"

// loadCRDs decodes every CRD in crdDir strictly, by kind.
func loadCRDs(t testing.TB) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s: %v", crdDir, err)
	}
	crds := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if crd.APIVersion != "apiextensions.k8s.io/v1" || crd.Kind != "CustomResourceDefinition" {
			t.Fatalf("%s: %s %s, want an apiextensions.k8s.io/v1 CustomResourceDefinition", file, crd.APIVersion, crd.Kind)
		}
		crds[crd.Spec.Names.Kind] = crd
	}
	return crds
}

// prop walks a schema down a path of property names; "[]" steps into the
// items of an array.
func prop(t *testing.T, s *apiextensionsv1.JSONSchemaProps, path string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	for name := range strings.SplitSeq(path, ".") {
		if name == "[]" {
			if s.Items == nil || s.Items.Schema == nil {
				t.Fatalf("%s: no items at %q", path, name)
			}
			s = s.Items.Schema
			continue
		}
		p, ok := s.Properties[name]
		if !ok {
			t.Fatalf("%s: no property %q", path, name)
		}
		s = &p
	}
	return s
}

func hasRule(s *apiextensionsv1.JSONSchemaProps, fragment string) bool {
	return slices.ContainsFunc(s.XValidations, func(r apiextensionsv1.ValidationRule) bool {
		return strings.Contains(r.Rule, fragment)
	})
}

func TestCRDs(t *testing.T) {
	crds := loadCRDs(t)
	if len(crds) != 2 {
		t.Fatalf("CRDs for %v, want ZeroTrustPolicy and ClusterZeroTrustPolicy", slices.Collect(func(yield func(string) bool) {
			for k := range crds {
				yield(k)
			}
		}))
	}
	for _, want := range []struct {
		kind, name, shortName string
		scope                 apiextensionsv1.ResourceScope
	}{
		{"ZeroTrustPolicy", "zerotrustpolicies.zeta.io", "ztp", apiextensionsv1.NamespaceScoped},
		{"ClusterZeroTrustPolicy", "clusterzerotrustpolicies.zeta.io", "cztp", apiextensionsv1.ClusterScoped},
	} {
		t.Run(want.kind, func(t *testing.T) {
			crd := crds[want.kind]
			if crd == nil {
				t.Fatal("no CRD")
			}
			if crd.Name != want.name || crd.Spec.Group != GroupName || crd.Spec.Scope != want.scope ||
				!slices.Equal(crd.Spec.Names.ShortNames, []string{want.shortName}) {
				t.Errorf("name %s group %s scope %s short names %v, want %s %s %s [%s]", crd.Name, crd.Spec.Group,
					crd.Spec.Scope, crd.Spec.Names.ShortNames, want.name, GroupName, want.scope, want.shortName)
			}
			if len(crd.Spec.Versions) != 1 {
				t.Fatalf("%d versions, want 1", len(crd.Spec.Versions))
			}
			v := crd.Spec.Versions[0]
			if v.Name != SchemeGroupVersion.Version || !v.Served || !v.Storage {
				t.Errorf("version %s served %v storage %v, want %s served and stored", v.Name, v.Served, v.Storage, SchemeGroupVersion.Version)
			}
			if v.Subresources == nil || v.Subresources.Status == nil {
				t.Error("no status subresource")
			}
			var columns []string
			for _, c := range v.AdditionalPrinterColumns {
				columns = append(columns, c.Name+"="+c.JSONPath)
			}
			if want := []string{`Accepted=.status.conditions[?(@.type=="Accepted")].status`, "Age=.metadata.creationTimestamp"}; !slices.Equal(columns, want) {
				t.Errorf("printer columns %q, want %q", columns, want)
			}

			root := v.Schema.OpenAPIV3Schema
			spec := prop(t, root, "spec")
			if !slices.Contains(root.Required, "spec") || !slices.Contains(spec.Required, "selector") {
				t.Errorf("required: object %v, spec %v; want spec and spec.selector", root.Required, spec.Required)
			}
			if got := hasRule(spec, "has(self.namespaceSelector)"); got != (want.kind == "ZeroTrustPolicy") {
				t.Errorf("rule forbidding spec.namespaceSelector present: %v", got)
			}
			var enum []string
			for _, e := range prop(t, spec, "ingress.[].action").Enum {
				enum = append(enum, string(e.Raw))
			}
			if want := []string{`"Allow"`, `"Deny"`, `"Audit"`}; !slices.Equal(enum, want) {
				t.Errorf("spec.ingress[].action enum %v, want %v", enum, want)
			}
			for _, dir := range []string{"ingress.[].from", "egress.[].to"} {
				peer := prop(t, spec, dir+".[]")
				if prop(t, peer, "principals.[]").Pattern == "" || !hasRule(peer, "has(self.principals)") ||
					!hasRule(prop(t, peer, "cidr"), "isCIDR") {
					t.Errorf("%s: principals pattern, peer kind rule or cidr rule missing", dir)
				}
			}
			port := prop(t, spec, "egress.[].ports.[].port")
			if port.Minimum == nil || *port.Minimum != 1 || port.Maximum == nil || *port.Maximum != 65535 {
				t.Errorf("port bounds %v..%v, want 1..65535", port.Minimum, port.Maximum)
			}
			if !hasRule(prop(t, spec, "ingress.[].ports.[]"), "self.endPort >= self.port") {
				t.Error("no endPort >= port rule")
			}
			http := prop(t, spec, "ingress.[].http.[]")
			for _, p := range []string{"methods", "paths.[].glob", "hosts", "headers.[].name", "jwt.providers", "jwt.requiredClaims"} {
				prop(t, http, p)
			}
			if !hasRule(prop(t, spec, "ingress.[]"), "self.action != 'Deny'") {
				t.Error("no rule keeping http out of Deny rules")
			}
			providers := prop(t, spec, "jwtProviders")
			if providers.XListType == nil || *providers.XListType != "map" || !slices.Equal(providers.XListMapKeys, []string{"name"}) {
				t.Error("spec.jwtProviders is not a list map keyed by name")
			}
			if !hasRule(prop(t, providers, "[].jwksUri"), "'https'") {
				t.Error("no https rule on jwksUri")
			}
			conditions := prop(t, root, "status.conditions")
			if conditions.XListType == nil || *conditions.XListType != "map" || !slices.Equal(conditions.XListMapKeys, []string{"type"}) {
				t.Error("status.conditions is not a list map keyed by type")
			}
		})
	}
}
