package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/zeta-net/zeta/tests/kubetest"
)

// fieldManager names this test's server-side applies.
const fieldManager = "zeta-deploy-test"

// TestManifestsOnAPIServer starts a real kube-apiserver (tests/kubetest)
// and checks what only a server can: that it accepts every manifest in
// deploy/ (server-side dry run, CRDs first), and that the ClusterRole,
// bound to the agent's ServiceAccount, lets the agent do exactly what
// agentAccess lists and not more.
func TestManifestsOnAPIServer(t *testing.T) {
	s := kubetest.Start(t)
	a := newApplier(t, s.Config)
	ctx := t.Context()

	t.Run("dry-run", func(t *testing.T) {
		crds, _ := filepath.Glob(filepath.Join(repoRoot(), "deploy", "crds", "*.yaml"))
		var objs []*unstructured.Unstructured
		for _, f := range crds {
			objs = append(objs, readObjects(t, f)...)
		}
		plain := readObjects(t, plainManifests())
		// The namespace must exist for real: admission rejects objects in
		// a namespace that does not (a dry-run create makes none).
		for _, o := range plain {
			if o.GetKind() == "Namespace" {
				if err := a.apply(ctx, o, false); err != nil {
					t.Fatalf("create %s: %v", key(o), err)
				}
			}
		}
		for _, o := range append(objs, plain...) {
			if err := a.apply(ctx, o, true); err != nil {
				t.Errorf("the API server rejects %s: %v", key(o), err)
			}
		}
		// A dry run persists nothing.
		i := slices.IndexFunc(plain, func(o *unstructured.Unstructured) bool { return o.GetKind() == "DaemonSet" })
		if i < 0 {
			t.Fatal("the plain manifests have no DaemonSet")
		}
		r, err := a.client(plain[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Get(ctx, plain[i].GetName(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("after a dry run, get DaemonSet = %v, want not found", err)
		}
	})

	t.Run("agent RBAC", func(t *testing.T) {
		for _, o := range readObjects(t, plainManifests()) {
			switch o.GetKind() {
			case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding":
				if err := a.apply(ctx, o, false); err != nil {
					t.Fatalf("apply %s: %v", key(o), err)
				}
			}
		}
		agent, err := kubernetes.NewForConfig(s.AgentConfig)
		if err != nil {
			t.Fatal(err)
		}
		for acc := range agentAccess {
			if !eventually(ctx, t, agent, acc, true) {
				t.Errorf("the agent's ServiceAccount may not %s %s (group %q): %s", acc.Verb, acc.Resource, acc.Group, agentAccess[acc])
			}
		}
		// What a node agent must never be able to do.
		for _, acc := range []access{
			{"", "secrets", "get"}, {"", "secrets", "list"}, {"", "configmaps", "list"},
			{"", "pods", "create"}, {"", "pods", "delete"}, {"", "pods/status", "update"},
			{"", "nodes", "update"}, {"", "serviceaccounts/token", "create"}, {"", "serviceaccounts", "list"},
			{"zeta.io", "zerotrustpolicies", "get"}, {"zeta.io", "zerotrustpolicies", "update"}, {"zeta.io", "zerotrustpolicies", "delete"},
			{"zeta.io", "zerotrustpolicies/status", "update"},
			{"networking.k8s.io", "networkpolicies", "create"},
			{"rbac.authorization.k8s.io", "clusterroles", "escalate"},
		} {
			if eventually(ctx, t, agent, acc, false) {
				t.Errorf("the agent's ServiceAccount may %s %s (group %q): more than it needs", acc.Verb, acc.Resource, acc.Group)
			}
		}
	})
}

// eventually asks the API server whether the agent may do acc, until the
// answer is want or a few seconds passed (RBAC changes reach the
// authorizer through an informer), and returns the last answer.
func eventually(ctx context.Context, t *testing.T, c kubernetes.Interface, acc access, want bool) bool {
	t.Helper()
	res, sub, _ := strings.Cut(acc.Resource, "/")
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Group: acc.Group, Resource: res, Subresource: sub, Verb: acc.Verb},
	}}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got, err := c.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("access review of %+v: %v", acc, err)
		}
		if got.Status.Allowed == want || time.Now().After(deadline) {
			return got.Status.Allowed
		}
	}
}

// applier applies objects of any kind with server-side apply.
type applier struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
}

func newApplier(t *testing.T, cfg *rest.Config) *applier {
	t.Helper()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &applier{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}
}

// client is the client of o's resource, in o's namespace if it has one.
func (a *applier) client(o *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	m, err := a.mapper.RESTMapping(o.GroupVersionKind().GroupKind(), o.GroupVersionKind().Version)
	if err != nil {
		return nil, fmt.Errorf("the API server does not serve %s: %w", o.GroupVersionKind(), err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return a.dyn.Resource(m.Resource).Namespace(o.GetNamespace()), nil
	}
	return a.dyn.Resource(m.Resource), nil
}

// apply server-side applies o, only validating it if dryRun.
func (a *applier) apply(ctx context.Context, o *unstructured.Unstructured, dryRun bool) error {
	r, err := a.client(o)
	if err != nil {
		return err
	}
	opts := metav1.ApplyOptions{FieldManager: fieldManager, Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err = r.Apply(ctx, o.GetName(), o, opts)
	return err
}
