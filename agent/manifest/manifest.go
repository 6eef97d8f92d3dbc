package manifest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zeta-net/zeta/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Set is the cluster state a directory describes. Maps are keyed by name
// for cluster-scoped objects and by "namespace/name" for namespaced ones.
type Set struct {
	Namespaces               map[string]*corev1.Namespace
	Pods                     map[string]*corev1.Pod
	NetworkPolicies          map[string]*networkingv1.NetworkPolicy
	ZeroTrustPolicies        map[string]*v1alpha1.ZeroTrustPolicy
	ClusterZeroTrustPolicies map[string]*v1alpha1.ClusterZeroTrustPolicy
	// Hash identifies the directory's content: equal content, equal hash.
	Hash string
}

// Error is a document that could not be decoded; the rest of the directory
// still loads.
type Error struct {
	File string
	Doc  int
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: document %d: %v", e.File, e.Doc, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

var decoder = func() runtime.Decoder {
	s := runtime.NewScheme()
	_ = corev1.AddToScheme(s)
	_ = networkingv1.AddToScheme(s)
	_ = v1alpha1.AddToScheme(s)
	return serializer.NewCodecFactory(s).UniversalDeserializer()
}()

// Key returns the map key of a namespaced object.
func Key(namespace, name string) string { return namespace + "/" + name }

// LoadDir reads every *.yaml, *.yml and *.json file in dir (not recursing).
// Documents that do not decode are returned as *Error values joined in err,
// next to a Set holding everything that did; kinds Zeta does not use are
// ignored.
func LoadDir(dir string) (*Set, error) { return (&Loader{}).Load(dir) }

// Load is LoadDir, decoding only the documents that it has not decoded
// before.
func (l *Loader) Load(dir string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read manifests: %w", err)
	}
	var names []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)

	set := newSet()
	h := sha256.New()
	var errs []error
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read manifests: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
		errs = append(errs, set.add(name, data, l.decode)...)
	}
	set.Hash = hex.EncodeToString(h.Sum(nil))
	l.evict()
	return set, errors.Join(errs...)
}

func newSet() *Set {
	return &Set{
		Namespaces:               map[string]*corev1.Namespace{},
		Pods:                     map[string]*corev1.Pod{},
		NetworkPolicies:          map[string]*networkingv1.NetworkPolicy{},
		ZeroTrustPolicies:        map[string]*v1alpha1.ZeroTrustPolicy{},
		ClusterZeroTrustPolicies: map[string]*v1alpha1.ClusterZeroTrustPolicy{},
	}
}

func (s *Set) add(file string, data []byte, decode func([]byte) (runtime.Object, error)) []error {
	var errs []error
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return errs
		}
		if err != nil {
			return append(errs, &Error{File: file, Doc: doc, Err: err})
		}
		if len(bytes.TrimSpace(raw)) == 0 || isComment(raw) {
			continue
		}
		if err := s.addDoc(raw, decode); err != nil {
			errs = append(errs, &Error{File: file, Doc: doc, Err: err})
		}
	}
}

func isComment(raw []byte) bool {
	for line := range strings.Lines(string(raw)) {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

func (s *Set) addDoc(raw []byte, decode func([]byte) (runtime.Object, error)) error {
	obj, err := decode(raw)
	if err != nil {
		if runtime.IsNotRegisteredError(err) {
			return nil
		}
		return err
	}
	// Kinds Zeta does not use fall through the switch and are ignored.
	switch o := obj.(type) {
	case *corev1.Namespace:
		s.Namespaces[o.Name] = o
	case *corev1.Pod:
		if o.Namespace == "" {
			o.Namespace = corev1.NamespaceDefault
		}
		s.Pods[Key(o.Namespace, o.Name)] = o
	case *networkingv1.NetworkPolicy:
		if o.Namespace == "" {
			o.Namespace = corev1.NamespaceDefault
		}
		s.NetworkPolicies[Key(o.Namespace, o.Name)] = o
	case *v1alpha1.ZeroTrustPolicy:
		if o.Namespace == "" {
			o.Namespace = corev1.NamespaceDefault
		}
		s.ZeroTrustPolicies[Key(o.Namespace, o.Name)] = o
	case *v1alpha1.ClusterZeroTrustPolicy:
		s.ClusterZeroTrustPolicies[o.Name] = o
	case *corev1.List:
		for _, item := range o.Items {
			if err := s.addDoc(item.Raw, decode); err != nil {
				return err
			}
		}
	}
	return nil
}
