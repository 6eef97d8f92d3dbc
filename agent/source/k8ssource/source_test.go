package k8ssource_test

import (
	"context"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/agent/source/k8ssource"
	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/tests/kubetest"
)

// eventTimeout bounds each wait for the source to catch up.
const eventTimeout = 30 * time.Second

// grantAgent binds k8ssource.RBACRules to the agent's identity, so the
// tests prove those rules are enough.
func grantAgent(t *testing.T, s *kubetest.Server) {
	t.Helper()
	ctx := t.Context()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "zeta-agent-test"}, Rules: k8ssource.RBACRules()}
	if _, err := s.Client.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "zeta-agent-test"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: kubetest.AgentServiceAccount, Namespace: kubetest.AgentNamespace}},
	}
	if _, err := s.Client.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// watcher runs a source as the agent and applies its events as the agent
// does.
type watcher struct {
	t       *testing.T
	events  chan source.Event
	cluster *desired.Cluster
	rev     string
	synced  int
	status  *k8ssource.Status
}

func watch(t *testing.T, cfg *rest.Config, node string) *watcher {
	t.Helper()
	client := kubernetes.NewForConfigOrDie(cfg)
	dyn := dynamic.NewForConfigOrDie(cfg)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	w := &watcher{t: t, events: make(chan source.Event, 1024), cluster: desired.NewCluster(), status: k8ssource.NewStatus(node, client, dyn, log)}
	src := &k8ssource.Source{Client: client, Dynamic: dyn, Log: log, Status: w.status}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, w.events) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("source: %v", err)
		}
	})
	return w
}

// until applies events until a Synced after which ok holds, and returns
// the events applied.
func (w *watcher) until(what string, ok func(*desired.Cluster) bool) []source.Event {
	w.t.Helper()
	var seen []source.Event
	timeout := time.After(eventTimeout)
	for {
		select {
		case ev := <-w.events:
			seen = append(seen, ev)
			if ev.Type != source.Synced {
				w.cluster.Apply(ev)
				continue
			}
			w.synced++
			w.rev = ev.Revision
			if ok(w.cluster) {
				return seen
			}
		case <-timeout:
			w.t.Fatalf("source did not get to %s in %v (revision %q)", what, eventTimeout, w.rev)
		}
	}
}

func ns(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func pod(namespace, name, node, ip string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "zeta.test/none",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}},
	}
}

func ztp(namespace, name string, spec v1alpha1.ZeroTrustPolicySpec) *unstructured.Unstructured {
	p := &v1alpha1.ZeroTrustPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "ZeroTrustPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       spec,
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p)
	if err != nil {
		panic(err)
	}
	return &unstructured.Unstructured{Object: m}
}

var ztpResource = v1alpha1.SchemeGroupVersion.WithResource("zerotrustpolicies")

func hasIP(c *desired.Cluster, key, ip string) bool {
	p := c.Pods[key]
	return p != nil && len(desired.PodIPs(p)) == 1 && desired.PodIPs(p)[0] == netip.MustParseAddr(ip)
}

// TestSource creates cluster state through a real API server and checks
// that the source, with only RBACRules, describes it whole at its first
// Synced, then follows creations, changes and deletions.
func TestSource(t *testing.T) {
	s := kubetest.Start(t)
	grantAgent(t, s)
	ctx := t.Context()
	dyn := dynamic.NewForConfigOrDie(s.Config)
	if err := kubetest.CreateNamespace(ctx, s.Client, ns("team-a", map[string]string{"team": "a"})); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*corev1.Pod{pod("team-a", "web", "node-1", "10.1.0.1"), pod("team-a", "db", "node-2", "10.1.0.2")} {
		if _, err := kubetest.CreatePod(ctx, s.Client, p); err != nil {
			t.Fatal(err)
		}
	}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: "team-a"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	if _, err := s.Client.NetworkingV1().NetworkPolicies("team-a").Create(ctx, np, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	allowWeb := v1alpha1.ZeroTrustPolicySpec{Selector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
		Ingress: []v1alpha1.Rule{{From: []v1alpha1.Peer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}}}}
	if _, err := dyn.Resource(ztpResource).Namespace("team-a").Create(ctx, ztp("team-a", "db", allowWeb), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	w := watch(t, s.AgentConfig, "node-1")
	w.until("the initial state", func(*desired.Cluster) bool { return true })
	c := w.cluster
	if c.Namespaces["team-a"] == nil || c.Namespaces["team-a"].Labels["team"] != "a" {
		t.Errorf("namespace team-a missing or without labels: %+v", c.Namespaces["team-a"])
	}
	if !hasIP(c, "team-a/web", "10.1.0.1") || !hasIP(c, "team-a/db", "10.1.0.2") || c.Pods["team-a/web"].Spec.NodeName != "node-1" {
		t.Errorf("pods at the first Synced: %v", c.Pods)
	}
	if c.NetworkPolicies["team-a/deny"] == nil {
		t.Error("network policy missing at the first Synced")
	}
	if p := c.ZeroTrustPolicies["team-a/db"]; p == nil || p.Spec.Selector.MatchLabels["app"] != "db" || len(p.Spec.Ingress) != 1 {
		t.Errorf("zero trust policy at the first Synced: %+v", p)
	}

	// A change: one pod goes, one comes, the policy changes.
	// No kubelet finishes a graceful deletion here.
	if err := s.Client.CoreV1().Pods("team-a").Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	created, err := kubetest.CreatePod(ctx, s.Client, pod("team-a", "api", "node-1", "10.1.0.3"))
	if err != nil {
		t.Fatal(err)
	}
	if err := dyn.Resource(ztpResource).Namespace("team-a").Delete(ctx, "db", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	w.until("the change", func(c *desired.Cluster) bool {
		return c.Pods["team-a/web"] == nil && hasIP(c, "team-a/api", "10.1.0.3") && len(c.ZeroTrustPolicies) == 0
	})
	if got, want := k8ssource.Revision(w.rev)["pods"], created.ResourceVersion; want == "" || got < parseRV(t, want) {
		t.Errorf("revision %q does not cover the last pod write at %s", w.rev, want)
	}
}

func parseRV(t *testing.T, rv string) uint64 {
	t.Helper()
	n := k8ssource.Revision("x=" + rv)["x"]
	if n == 0 {
		t.Fatalf("resourceVersion %q is no number", rv)
	}
	return n
}
