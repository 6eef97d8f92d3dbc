package k8ssource

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/api/v1alpha1"
)

// Status writes the agent's verdicts to the policies' status and records
// an Event on each policy that turns invalid.
//
// Each agent owns one condition per policy, of type "<node>/Accepted"
// (NodeConditionType): per node, because each agent validates and
// enforces on its own, and its verdict can differ from another's during an
// upgrade. Each also sets the shared "Accepted" condition, which
// `kubectl get ztp` shows; every agent computes the same verdict from the
// same object, so they agree on it (in a mixed-version rollout the last
// writer wins). Writes are server-side applies of the status subresource
// with the field manager "zeta-agent/<node>", so agents never overwrite
// each other's conditions, and they happen only when the object's status
// differs from the verdict: an agent that restarts writes nothing new.
// Conditions of nodes that are gone stay until the policy changes hands.
type Status struct {
	node    string
	dynamic dynamic.Interface
	events  record.EventRecorder
	bcast   record.EventBroadcaster
	log     *slog.Logger
	queue   workqueue.TypedRateLimitingInterface[policyKey]

	mu       sync.Mutex
	verdicts map[policyKey]source.Verdict
	stores   map[string]cache.Store // by kind
}

// policyKey names a policy object.
type policyKey struct{ kind, namespace, name string }

func (k policyKey) String() string {
	if k.namespace == "" {
		return k.kind + " " + k.name
	}
	return k.kind + " " + k.namespace + "/" + k.name
}

// NodeConditionType is the condition type node's agent owns.
func NodeConditionType(node string) string { return node + "/" + v1alpha1.ConditionAccepted }

// InvalidEventReason is the reason of the Event recorded on an invalid
// policy.
const InvalidEventReason = "InvalidPolicy"

// NewStatus returns a status writer for node's agent; Run writes.
func NewStatus(node string, client kubernetes.Interface, dyn dynamic.Interface, log *slog.Logger) *Status {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	bcast := record.NewBroadcaster()
	bcast.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return &Status{
		node:     node,
		dynamic:  dyn,
		bcast:    bcast,
		events:   bcast.NewRecorder(scheme, corev1.EventSource{Component: "zeta-agent", Host: node}),
		log:      log,
		queue:    workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[policyKey]()),
		verdicts: map[policyKey]source.Verdict{},
	}
}

// setStores gives the informers' caches, where the policies' current
// status is read.
func (s *Status) setStores(ztp, cztp cache.Store) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stores = map[string]cache.Store{"ZeroTrustPolicy": ztp, "ClusterZeroTrustPolicy": cztp}
}

// Report implements source.Reporter: it queues the policies whose verdict
// changed.
func (s *Status) Report(vs []source.Verdict) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[policyKey]bool, len(vs))
	for _, v := range vs {
		k := policyKey{v.Kind, v.Namespace, v.Name}
		seen[k] = true
		if old, ok := s.verdicts[k]; ok && sameVerdict(old, v) {
			continue
		}
		s.verdicts[k] = v
		s.queue.Add(k)
	}
	for k := range s.verdicts {
		if !seen[k] {
			delete(s.verdicts, k)
		}
	}
}

func sameVerdict(a, b source.Verdict) bool {
	return a.Generation == b.Generation && message(a) == message(b) && (a.Err == nil) == (b.Err == nil)
}

// Run writes queued verdicts until ctx is done.
func (s *Status) Run(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		s.queue.ShutDown()
	}()
	defer s.bcast.Shutdown()
	for {
		k, quit := s.queue.Get()
		if quit {
			return nil
		}
		if err := s.write(ctx, k); err != nil {
			s.log.Warn("write policy status; retrying", "policy", k.String(), "error", err)
			s.queue.AddRateLimited(k)
		} else {
			s.queue.Forget(k)
		}
		s.queue.Done(k)
	}
}

// write applies k's verdict unless its status already says it.
func (s *Status) write(ctx context.Context, k policyKey) error {
	s.mu.Lock()
	v, ok := s.verdicts[k]
	store := s.stores[k.kind]
	s.mu.Unlock()
	if !ok || store == nil {
		return nil
	}
	obj, exists, err := store.GetByKey(strings.TrimPrefix(k.namespace+"/"+k.name, "/"))
	if err != nil || !exists {
		return err
	}
	gen, status := policyStatus(obj)
	if gen != v.Generation {
		return nil // the agent has yet to see this generation: it reports again
	}
	now := metav1.Now()
	conds := []metav1.Condition{
		condition(status, NodeConditionType(s.node), v, now),
		condition(status, v1alpha1.ConditionAccepted, v, now),
	}
	if says(status, conds[0]) && says(status, conds[1]) {
		return nil
	}
	if err := s.apply(ctx, k, conds); err != nil {
		return err
	}
	if old := find(status, conds[0].Type); v.Err != nil && (old == nil || old.Message != conds[0].Message || old.ObservedGeneration != v.Generation) {
		s.events.Eventf(obj.(runtime.Object), corev1.EventTypeWarning, InvalidEventReason, "node %s: %s", s.node, conds[0].Message)
	}
	return nil
}

func (s *Status) apply(ctx context.Context, k policyKey, conds []metav1.Condition) error {
	items := make([]any, len(conds))
	for i, c := range conds {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&c)
		if err != nil {
			return fmt.Errorf("apply status of %s: %w", k, err)
		}
		items[i] = m
	}
	meta := map[string]any{"name": k.name}
	if k.namespace != "" {
		meta["namespace"] = k.namespace
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1alpha1.SchemeGroupVersion.String(),
		"kind":       k.kind,
		"metadata":   meta,
		"status":     map[string]any{"conditions": items},
	}}
	resource := map[string]string{"ZeroTrustPolicy": "zerotrustpolicies", "ClusterZeroTrustPolicy": "clusterzerotrustpolicies"}[k.kind]
	ri := s.dynamic.Resource(v1alpha1.SchemeGroupVersion.WithResource(resource))
	var c dynamic.ResourceInterface = ri
	if k.namespace != "" {
		c = ri.Namespace(k.namespace)
	}
	manager := "zeta-agent/" + s.node
	if len(manager) > 128 { // the API server's limit
		manager = manager[:128]
	}
	if _, err := c.ApplyStatus(ctx, k.name, u, metav1.ApplyOptions{FieldManager: manager, Force: true}); err != nil {
		return fmt.Errorf("apply status of %s: %w", k, err)
	}
	return nil
}

func policyStatus(obj any) (int64, *v1alpha1.ZeroTrustPolicyStatus) {
	switch p := obj.(type) {
	case *v1alpha1.ZeroTrustPolicy:
		return p.Generation, &p.Status
	case *v1alpha1.ClusterZeroTrustPolicy:
		return p.Generation, &p.Status
	}
	return -1, nil
}

// says reports whether st holds c, but for its transition time.
func says(st *v1alpha1.ZeroTrustPolicyStatus, c metav1.Condition) bool {
	old := find(st, c.Type)
	return old != nil && old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message && old.ObservedGeneration == c.ObservedGeneration
}

func find(st *v1alpha1.ZeroTrustPolicyStatus, t string) *metav1.Condition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// condition is the condition of type t that says v, keeping the
// transition time of an existing one with the same status.
func condition(st *v1alpha1.ZeroTrustPolicyStatus, t string, v source.Verdict, now metav1.Time) metav1.Condition {
	c := metav1.Condition{Type: t, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonValid, Message: message(v), ObservedGeneration: v.Generation, LastTransitionTime: now}
	if v.Err != nil {
		c.Status, c.Reason = metav1.ConditionFalse, v1alpha1.ReasonInvalid
	}
	if old := find(st, t); old != nil && old.Status == c.Status {
		c.LastTransitionTime = old.LastTransitionTime
	}
	return c
}

// maxMessage is the API's limit on a condition's message.
const maxMessage = 32768

func message(v source.Verdict) string {
	m := "enforced"
	switch {
	case v.Err != nil:
		m = v.Err.Error()
	case len(v.Warnings) > 0:
		m = "enforced; warnings: " + strings.Join(v.Warnings, "; ")
	}
	if len(m) > maxMessage {
		m = m[:maxMessage]
	}
	return m
}
