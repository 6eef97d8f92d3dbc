package k8ssource

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/api/v1alpha1"
)

// Source watches the API server. Client and Dynamic are required.
type Source struct {
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	Log     *slog.Logger
	// Status, if set, runs with the source, writing the verdicts the
	// agent reports on the policies the informers hold.
	Status *Status
}

// String describes the source for status.
func (s *Source) String() string { return "kubernetes" }

// Run implements source.Source.
func (s *Source) Run(ctx context.Context, events chan<- source.Event) error {
	q := newQueue()
	factory := informers.NewSharedInformerFactoryWithOptions(s.Client, 0, informers.WithTransform(transform))
	typed := map[string]cache.SharedIndexInformer{
		"namespaces":      factory.Core().V1().Namespaces().Informer(),
		"pods":            factory.Core().V1().Pods().Informer(),
		"networkpolicies": factory.Networking().V1().NetworkPolicies().Informer(),
	}
	ztp := s.policyInformer("zerotrustpolicies")
	cztp := s.policyInformer("clusterzerotrustpolicies")
	all := map[string]cache.SharedIndexInformer{"zerotrustpolicies": ztp, "clusterzerotrustpolicies": cztp}
	maps.Copy(all, typed)
	var synced []cache.InformerSynced
	for _, r := range resources {
		reg, err := all[r].AddEventHandler(handler(q, r))
		if err != nil {
			return fmt.Errorf("watch %s: %w", r, err)
		}
		synced = append(synced, reg.HasSynced)
	}
	if s.Status != nil {
		s.Status.setStores(ztp.GetStore(), cztp.GetStore())
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		factory.Shutdown()
		wg.Wait()
	}()
	if s.Status != nil {
		wg.Go(func() { _ = s.Status.Run(ctx) })
	}
	factory.Start(ctx.Done())
	wg.Go(func() { ztp.RunWithContext(ctx) })
	wg.Go(func() { cztp.RunWithContext(ctx) })

	start := time.Now()
	initial := make(chan struct{})
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), synced...) {
			close(initial)
		}
	}()
	return s.send(ctx, q, initial, start, events)
}

// send sends the queue's events, and Synced whenever the queue drains
// after the initial lists.
func (s *Source) send(ctx context.Context, q *queue, initial <-chan struct{}, start time.Time, events chan<- source.Event) error {
	ready, pending := false, true
	for {
		if ev, ok := q.pop(); ok {
			select {
			case events <- ev:
				pending = true
				continue
			case <-ctx.Done():
				return nil
			}
		}
		if ready && pending {
			rev := q.revision()
			select {
			case events <- source.Event{Type: source.Synced, Revision: rev}:
				pending = false
			case <-ctx.Done():
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-q.notify:
		case <-initial:
			initial = nil
			ready = true
			s.Log.Info("initial lists synced", "took", time.Since(start).Round(time.Millisecond))
		}
	}
}

// policyInformer lists and watches one of Zeta's resources with the
// dynamic client; the transform makes its objects typed.
func (s *Source) policyInformer(resource string) cache.SharedIndexInformer {
	ri := s.Dynamic.Resource(v1alpha1.SchemeGroupVersion.WithResource(resource))
	inf := cache.NewSharedIndexInformer(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return ri.List(ctx, o)
		},
		WatchFuncWithContext: ri.Watch,
	}, &unstructured.Unstructured{}, 0, cache.Indexers{})
	_ = inf.SetTransform(transform) // fails only once started
	return inf
}

// handler queues an informer's notifications as events.
func handler(q *queue, resource string) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			q.push(resource, source.Event{Type: source.Upsert, Object: obj.(runtime.Object)})
		},
		UpdateFunc: func(old, obj any) {
			if sameForAgent(old, obj) {
				return
			}
			q.push(resource, source.Event{Type: source.Upsert, Object: obj.(runtime.Object)})
		},
		DeleteFunc: func(obj any) {
			// A relist that no longer finds an object deletes the last
			// state the informer had of it.
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if o, ok := obj.(runtime.Object); ok {
				q.push(resource, source.Event{Type: source.Delete, Object: o})
			}
		},
	}
}

// sameForAgent reports whether an update changes nothing the agent reads:
// a relist of an unchanged object, or a policy's status, which the agents
// write themselves. Other updates go through even when equal once
// stripped: their resourceVersion advances the revision.
func sameForAgent(old, obj any) bool {
	a, errOld := meta.Accessor(old)
	b, errNew := meta.Accessor(obj)
	if errOld != nil || errNew != nil {
		return false
	}
	if a.GetResourceVersion() == b.GetResourceVersion() {
		return true
	}
	switch o := obj.(type) {
	case *v1alpha1.ZeroTrustPolicy:
		p, ok := old.(*v1alpha1.ZeroTrustPolicy)
		return ok && equality.Semantic.DeepEqual(p.Spec, o.Spec)
	case *v1alpha1.ClusterZeroTrustPolicy:
		p, ok := old.(*v1alpha1.ClusterZeroTrustPolicy)
		return ok && equality.Semantic.DeepEqual(p.Spec, o.Spec)
	}
	return false
}

// Report implements source.Reporter through Status, if set.
func (s *Source) Report(vs []source.Verdict) {
	if s.Status != nil {
		s.Status.Report(vs)
	}
}
