package k8ssource_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/zeta-net/zeta/agent"
	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/agent/source/k8ssource"
	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy/secid"
	"github.com/zeta-net/zeta/tests/kubetest"
)

// TestPolicyStatus checks both ways an invalid ZeroTrustPolicy is caught:
// the API server's schema rejects what it can, and for what only the
// agent's validation finds, the status writer marks the policy
// Accepted=False with the validation message and records an Event, while
// a valid policy next to it is Accepted=True. A second agent adds its own
// condition without touching the first one's.
func TestPolicyStatus(t *testing.T) {
	s := kubetest.Start(t)
	grantAgent(t, s)
	ctx := t.Context()
	dyn := dynamic.NewForConfigOrDie(s.Config)
	if err := kubetest.CreateNamespace(ctx, s.Client, ns("team-a", nil)); err != nil {
		t.Fatal(err)
	}
	policies := dyn.Resource(ztpResource).Namespace("team-a")

	// The schema: a CIDR that is not a network address.
	bad := v1alpha1.ZeroTrustPolicySpec{Ingress: []v1alpha1.Rule{{From: []v1alpha1.Peer{{CIDR: "10.0.0.1/8"}}}}}
	if _, err := policies.Create(ctx, ztp("team-a", "schema", bad), metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("a policy with CIDR 10.0.0.1/8 was not rejected as invalid: %v", err)
	}
	// The agent: a selector operator the schema lets through.
	bogus := v1alpha1.ZeroTrustPolicySpec{Selector: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}}
	if _, err := policies.Create(ctx, ztp("team-a", "bogus", bogus), metav1.CreateOptions{}); err != nil {
		t.Fatalf("the schema rejects an unknown selector operator, which only the agent should: %v", err)
	}
	good := v1alpha1.ZeroTrustPolicySpec{Selector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}
	if _, err := policies.Create(ctx, ztp("team-a", "good", good), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	for _, node := range []string{"node-1", "node-2"} {
		w := watch(t, s.AgentConfig, node)
		w.until("the policies", func(c *desired.Cluster) bool { return len(c.ZeroTrustPolicies) == 2 })
		w.status.Report(verdicts(t, w.cluster))
	}

	want := map[string]metav1.ConditionStatus{"bogus": metav1.ConditionFalse, "good": metav1.ConditionTrue}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, eventTimeout, true, func(ctx context.Context) (bool, error) {
		for name, status := range want {
			u, err := policies.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			var p v1alpha1.ZeroTrustPolicy
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p); err != nil {
				return false, err
			}
			for _, typ := range []string{v1alpha1.ConditionAccepted, k8ssource.NodeConditionType("node-1"), k8ssource.NodeConditionType("node-2")} {
				c := find(p.Status.Conditions, typ)
				if c == nil || c.Status != status || c.ObservedGeneration != p.Generation {
					return false, nil
				}
				if status == metav1.ConditionFalse && !strings.Contains(c.Message, "Bogus") {
					t.Errorf("%s condition %s says %q, not why", name, typ, c.Message)
				}
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("conditions not written: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, eventTimeout, true, func(ctx context.Context) (bool, error) {
		evs, err := s.Client.CoreV1().Events("team-a").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.InvolvedObject.Name == "bogus" && e.InvolvedObject.Kind == "ZeroTrustPolicy" && e.Reason == k8ssource.InvalidEventReason && e.Type == "Warning" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no Warning event on the invalid policy: %v", err)
	}
}

// verdicts validates c's policies as the agent does.
func verdicts(t *testing.T, c *desired.Cluster) []source.Verdict {
	t.Helper()
	alloc, err := secid.NewAllocator(filepath.Join(t.TempDir(), "ids"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := desired.Compute(desired.Config{Node: "node-1", TrustDomain: spiffeid.RequireTrustDomainFromString("cluster.local")}, c, alloc, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return agent.Verdicts(c, d.Invalid, d.Warnings)
}

func find(cs []metav1.Condition, typ string) *metav1.Condition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}
