package v1alpha1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// policy is what both kinds have in common.
type policy interface {
	Validate(trustDomain string) error
	Warnings(trustDomain string) []string
}

// newPolicy returns an empty policy of the document's kind, or nil if the
// document is not a zeta.io/v1alpha1 policy.
func newPolicy(doc []byte) policy {
	var tm metav1.TypeMeta
	if yaml.Unmarshal(doc, &tm) != nil || tm.APIVersion != SchemeGroupVersion.String() {
		return nil
	}
	switch tm.Kind {
	case "ZeroTrustPolicy":
		return &ZeroTrustPolicy{}
	case "ClusterZeroTrustPolicy":
		return &ClusterZeroTrustPolicy{}
	}
	return nil
}

// splitDocs returns the non-empty documents of a multi-document YAML file.
func splitDocs(data []byte) ([][]byte, error) {
	var docs [][]byte
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		var v any
		if err := yaml.Unmarshal(doc, &v); err != nil {
			return nil, err
		}
		if v != nil {
			docs = append(docs, doc)
		}
	}
}

// decodeStrict decodes a policy document, rejecting unknown fields.
func decodeStrict(doc []byte) (policy, error) {
	p := newPolicy(doc)
	if p == nil {
		return nil, fmt.Errorf("not a %s policy", SchemeGroupVersion)
	}
	if err := yaml.UnmarshalStrict(doc, p); err != nil {
		return nil, err
	}
	return p, nil
}
