package spire

import (
	"slices"
	"testing"

	"github.com/zeta-net/zeta/identity"
)

func TestK8sSelectors(t *testing.T) {
	w := identity.Workload{
		Namespace: "prod", ServiceAccount: "api", PodName: "api-0", PodUID: "1234",
		Labels: map[string]string{"tier": "backend", "app": "api"},
	}
	want := []string{"k8s:ns:prod", "k8s:sa:api", "k8s:pod-name:api-0", "k8s:pod-uid:1234", "k8s:pod-label:app:api", "k8s:pod-label:tier:backend"}
	var got []string
	for _, s := range K8sSelectors(w) {
		got = append(got, s.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("K8sSelectors = %v, want %v", got, want)
	}
	if n := len(K8sSelectors(identity.Workload{Namespace: "prod"})); n != 1 {
		t.Errorf("empty fields produced selectors: %d, want 1", n)
	}
	a := []Selector{{"k8s", "ns:prod"}, {"k8s", "sa:api"}}
	if key(a) != key([]Selector{a[1], a[0]}) {
		t.Error("selector set key depends on order")
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AdminSocket = ""
	cfg.MaxBackoff = 0
	if _, err := New(cfg); err == nil {
		t.Fatal("New accepted a config without admin socket and with max backoff < min")
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Fatalf("New(DefaultConfig()): %v", err)
	}
}
