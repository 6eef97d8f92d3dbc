package v1alpha1

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemavalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// apiServer validates custom resources as the API server does on create:
// the OpenAPI schema, then the CEL rules.
type apiServer struct {
	schema     schemavalidation.SchemaValidator
	structural *structuralschema.Structural
	cel        *cel.Validator
}

// newAPIServers returns the validators of the CRDs by kind, after checking
// that the API server accepts the CRDs themselves: a structural schema, CEL
// rules that compile in its environment and stay within its cost budget.
func newAPIServers(t testing.TB) map[string]*apiServer {
	t.Helper()
	scheme := runtime.NewScheme()
	apiextensionsinstall.Install(scheme)
	servers := map[string]*apiServer{}
	for kind, crd := range loadCRDs(t) {
		scheme.Default(crd)
		var internal apiextensions.CustomResourceDefinition
		if err := scheme.Convert(crd, &internal, nil); err != nil {
			t.Fatalf("%s: convert: %v", kind, err)
		}
		if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), &internal); len(errs) > 0 {
			t.Fatalf("the API server rejects the %s CRD: %v", kind, errs.ToAggregate())
		}
		// Conversion moves a schema common to all versions to spec.validation.
		props := internal.Spec.Validation.OpenAPIV3Schema
		sv, _, err := schemavalidation.NewSchemaValidator(props)
		if err != nil {
			t.Fatalf("%s: schema validator: %v", kind, err)
		}
		s, err := structuralschema.NewStructural(props)
		if err != nil {
			t.Fatalf("%s: structural schema: %v", kind, err)
		}
		servers[kind] = &apiServer{schema: sv, structural: s, cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}
	}
	return servers
}

// validate returns what the API server says about a YAML document.
func (s *apiServer) validate(t testing.TB, doc []byte) field.ErrorList {
	t.Helper()
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(j, &obj); err != nil { // integers as int64, as the API server decodes them
		t.Fatal(err)
	}
	errs := schemavalidation.ValidateCustomResource(nil, obj, s.schema)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, s.structural, obj)...)
	if len(errs) > 0 {
		return errs
	}
	errs, _ = s.cel.Validate(context.Background(), nil, s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	return errs
}

// specDoc returns a ZeroTrustPolicy document with the spec written in YAML.
func specDoc(t *testing.T, spec string) []byte {
	t.Helper()
	p := specPolicy(t, spec)
	p.APIVersion, p.Kind = SchemeGroupVersion.String(), "ZeroTrustPolicy"
	doc, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// agentOnly are the invalidSpecs the API server accepts: checks its schema
// and CEL cannot make. The agent rejects them when it validates.
var agentOnly = map[string]bool{
	"selector operator":     true,
	"selector label":        true,
	"peer selector":         true,
	"jwks not an object":    true,
	"jwks without keys":     true,
	"jwks keys not objects": true,
	"jwks key without kty":  true,
}

// TestAPIServer checks the CRDs' server-side validation against the agent's:
// the API server rejects every invalid spec but those in agentOnly, and
// accepts the examples and the valid specs.
func TestAPIServer(t *testing.T) {
	servers := newAPIServers(t)
	ztp := servers["ZeroTrustPolicy"]
	for _, tc := range invalidSpecs {
		errs := ztp.validate(t, specDoc(t, tc.spec))
		switch {
		case agentOnly[tc.name] && len(errs) > 0:
			t.Errorf("%s: the API server rejects it (%v): remove it from agentOnly", tc.name, errs.ToAggregate())
		case !agentOnly[tc.name] && len(errs) == 0:
			t.Errorf("%s: the API server accepts it", tc.name)
		}
	}
	for _, spec := range validSpecs {
		if errs := ztp.validate(t, specDoc(t, spec)); len(errs) > 0 {
			t.Errorf("valid spec %s: the API server rejects it: %v", spec, errs.ToAggregate())
		}
	}

	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := splitDocs(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatal(err)
			}
			if errs := servers[tm.Kind].validate(t, doc); len(errs) > 0 {
				t.Errorf("%s: the API server rejects it: %v", filepath.Base(file), errs.ToAggregate())
			}
		}
	}

	czp := servers["ClusterZeroTrustPolicy"]
	doc := []byte("apiVersion: zeta.io/v1alpha1\nkind: ClusterZeroTrustPolicy\nmetadata: {name: c}\nspec: {selector: {}, namespaceSelector: {}}\n")
	if errs := czp.validate(t, doc); len(errs) > 0 {
		t.Errorf("namespaceSelector in a cluster policy: %v", errs.ToAggregate())
	}
}
