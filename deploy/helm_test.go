package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/zeta-net/zeta/agent/export/exporters"
)

// helmBin builds helm once per test binary (tests/components/helm.sh
// caches it per version) and returns its path.
var helmBin = sync.OnceValues(func() (string, error) {
	cmd := exec.Command(filepath.Join(repoRoot(), "tests", "components", "helm.sh"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("helm is missing and tests/components/helm.sh could not build it (needs go and the Go module proxy): %w\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
})

// chartDir is the Helm chart.
func chartDir() string { return filepath.Join(repoRoot(), "deploy", "helm", "zeta") }

// runHelm runs helm with args and returns its standard output.
func runHelm(t *testing.T, args ...string) []byte {
	t.Helper()
	helm, err := helmBin()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(helm, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

// render runs helm template on the chart with extra arguments (--set ...)
// into the plain manifests' namespace.
func render(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	out := runHelm(t, append([]string{"template", "zeta", chartDir(), "--namespace", namespace}, args...)...)
	objs, err := decodeObjects(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("helm template output: %v", err)
	}
	return objs
}

// TestChartLint runs helm lint --strict: warnings fail too.
func TestChartLint(t *testing.T) {
	runHelm(t, "lint", "--strict", chartDir())
}

// TestChartRendersPlainManifests checks that the chart's default values
// render deploy/zeta.yaml object by object (helm's comments and document
// order aside): `make manifests` regenerates the file after a chart change.
func TestChartRendersPlainManifests(t *testing.T) {
	rendered := byKey(t, render(t))
	plain := byKey(t, readObjects(t, plainManifests()))
	for _, k := range sortedKeys(rendered, plain) {
		r, p := rendered[k], plain[k]
		switch {
		case p == nil:
			t.Errorf("%s: rendered by the chart, missing from deploy/zeta.yaml: run 'make manifests'", k)
		case r == nil:
			t.Errorf("%s: in deploy/zeta.yaml, not rendered by the chart: run 'make manifests'", k)
		case !reflect.DeepEqual(r.Object, p.Object):
			rb, _ := yaml.Marshal(r.Object)
			pb, _ := yaml.Marshal(p.Object)
			t.Errorf("%s differs from the chart's rendering: run 'make manifests'\n--- chart\n%s\n--- deploy/zeta.yaml\n%s", k, rb, pb)
		}
	}
}

// TestChartCRDs checks that the chart installs exactly the generated CRDs.
func TestChartCRDs(t *testing.T) {
	root := repoRoot()
	want, _ := filepath.Glob(filepath.Join(root, "deploy", "crds", "*.yaml"))
	if len(want) == 0 {
		t.Fatal("deploy/crds holds no CRDs")
	}
	for _, w := range want {
		got := filepath.Join(chartDir(), "crds", filepath.Base(w))
		a, errA := os.ReadFile(w)
		b, errB := os.ReadFile(got)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("chart CRD %s is not deploy/crds/%s (%v, %v)", got, filepath.Base(w), errA, errB)
		}
	}
}

// TestChartValues renders non-default values and checks that each lands
// where the agent reads it.
func TestChartValues(t *testing.T) {
	objs := render(t,
		"--set", "image.repository=registry.example/zeta,image.tag=v9",
		"--set", "agent.trustDomain=prod.example,agent.defaultDeny=true,agent.auditMode=true,agent.healthPort=9999",
		"--set", "createNamespace=false",
		"--set-json", `tolerations=[{"key":"dedicated","operator":"Equal","value":"net","effect":"NoSchedule"}]`,
		"--set-json", `nodeSelector={"zeta.io/enforce":"true"}`,
		"--set-json", `resources={"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"memory":"128Mi"}}`,
		"--set-json", `exporters={"otlp":[{"name":"collector","endpoint":"otel.observability:4317"}]}`,
		"--set-json", `agent.extraArgs=["--metrics-address=127.0.0.1:9962"]`,
	)
	if slices.ContainsFunc(objs, func(o *unstructured.Unstructured) bool { return o.GetKind() == "Namespace" }) {
		t.Error("createNamespace=false still renders the Namespace")
	}
	cm := only[corev1.ConfigMap](t, objs, "ConfigMap")
	for k, want := range map[string]string{"trust-domain": "prod.example", "default-deny": "true", "audit-mode": "true"} {
		if cm.Data[k] != want {
			t.Errorf("ConfigMap %s = %q, want %q", k, cm.Data[k], want)
		}
	}
	set, err := exporters.Parse([]byte(cm.Data["exporters.yaml"]))
	if err != nil || len(set.OTLP) != 1 || set.OTLP[0].Endpoint != "otel.observability:4317" {
		t.Errorf("exporters.yaml does not parse as the agent reads it: %+v, %v\n%s", set, err, cm.Data["exporters.yaml"])
	}
	ds := only[appsv1.DaemonSet](t, objs, "DaemonSet")
	pod := ds.Spec.Template.Spec
	c := pod.Containers[0]
	if c.Image != "registry.example/zeta:v9" {
		t.Errorf("image = %q", c.Image)
	}
	if len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "dedicated" || pod.NodeSelector["zeta.io/enforce"] != "true" {
		t.Errorf("tolerations %+v, nodeSelector %v", pod.Tolerations, pod.NodeSelector)
	}
	if c.Resources.Limits.Memory().String() != "128Mi" {
		t.Errorf("resources %+v", c.Resources)
	}
	if flagValue(c.Args, "--health-address") != "127.0.0.1:9999" || c.Ports[0].ContainerPort != 9999 {
		t.Errorf("healthPort 9999: args %v, ports %+v", c.Args, c.Ports)
	}
	if !slices.Contains(c.Args, "--metrics-address=127.0.0.1:9962") {
		t.Errorf("extraArgs missing from %v", c.Args)
	}
	// A configuration change restarts the agents.
	def := only[appsv1.DaemonSet](t, render(t), "DaemonSet")
	if ds.Spec.Template.Annotations["checksum/config"] == def.Spec.Template.Annotations["checksum/config"] {
		t.Error("the pod template's checksum/config does not change with the ConfigMap")
	}
}

func byKey(t *testing.T, objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	t.Helper()
	m := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		if m[key(o)] != nil {
			t.Errorf("%s appears twice", key(o))
		}
		m[key(o)] = o
	}
	return m
}

func sortedKeys[V any](ms ...map[string]V) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}
