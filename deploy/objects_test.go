package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// namespace is where the plain manifests put the agent.
const namespace = "zeta-system"

// repoRoot is the repository's root directory: the parent of this
// source file's directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// plainManifests is the path of the plain manifests.
func plainManifests() string { return filepath.Join(repoRoot(), "deploy", "zeta.yaml") }

// decodeObjects splits a multi-document YAML stream into objects, skipping
// empty documents (helm emits them for templates that render nothing).
func decodeObjects(r io.Reader) ([]*unstructured.Unstructured, error) {
	rd := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var out []*unstructured.Unstructured
	for {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read yaml document: %w", err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("parse yaml document: %w", err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// readObjects reads every object of a YAML file.
func readObjects(tb testing.TB, path string) []*unstructured.Unstructured {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read manifests: %v", err)
	}
	objs, err := decodeObjects(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return objs
}

// key names an object uniquely within a set of manifests.
func key(o *unstructured.Unstructured) string {
	return fmt.Sprintf("%s/%s %s/%s", o.GetAPIVersion(), o.GetKind(), o.GetNamespace(), o.GetName())
}

// only returns the single object of kind in objs, converted to T.
func only[T any](tb testing.TB, objs []*unstructured.Unstructured, kind string) *T {
	tb.Helper()
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("want exactly one %s in the manifests, found %d", kind, len(found))
	}
	var out T
	if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(found[0].Object, &out, true); err != nil {
		tb.Fatalf("%s %s does not convert to its Go type (unknown or mistyped field): %v", kind, found[0].GetName(), err)
	}
	return &out
}

// The typed objects of the plain manifests.
func plainDaemonSet(tb testing.TB) *appsv1.DaemonSet {
	return only[appsv1.DaemonSet](tb, readObjects(tb, plainManifests()), "DaemonSet")
}

func plainClusterRole(tb testing.TB) *rbacv1.ClusterRole {
	return only[rbacv1.ClusterRole](tb, readObjects(tb, plainManifests()), "ClusterRole")
}

func plainConfigMap(tb testing.TB) *corev1.ConfigMap {
	return only[corev1.ConfigMap](tb, readObjects(tb, plainManifests()), "ConfigMap")
}
