package k8ssource

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/zeta-net/zeta/agent/source"
)

// TestRelistDeletes checks that an object a relist no longer finds, which
// the informer hands over as a DeletedFinalStateUnknown tombstone, is
// deleted with its last known state, and that the revision records it.
func TestRelistDeletes(t *testing.T) {
	q := newQueue()
	h := handler(q, "pods")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", ResourceVersion: "41"}}
	h.OnAdd(pod, true)
	h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/a", Obj: pod})
	for i, want := range []source.EventType{source.Upsert, source.Delete} {
		ev, ok := q.pop()
		if !ok || ev.Type != want || ev.Object != pod {
			t.Fatalf("event %d = %+v, %t; want type %v of the pod", i, ev, ok, want)
		}
	}
	if got := Revision(q.revision())["pods"]; got != 41 {
		t.Errorf("pods revision = %d, want 41", got)
	}
}

// TestUpdates checks which updates reach the agent: not a relist of an
// unchanged object nor a policy's status, but any other change.
func TestUpdates(t *testing.T) {
	q := newQueue()
	h := handler(q, "pods")
	old := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "1"}}
	h.OnUpdate(old, old.DeepCopy())
	if _, ok := q.pop(); ok {
		t.Error("a relist of an unchanged pod was sent")
	}
	moved := old.DeepCopy()
	moved.ResourceVersion, moved.Status.PodIP = "2", "10.0.0.1"
	h.OnUpdate(old, moved)
	if ev, ok := q.pop(); !ok || ev.Object != moved {
		t.Errorf("a pod's new address was not sent: %+v", ev)
	}
}

// TestStripPod checks that a cached pod keeps what the agent reads.
func TestStripPod(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", Labels: map[string]string{"app": "a"}, Annotations: map[string]string{"big": "x"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: corev1.PodSpec{NodeName: "n", ServiceAccountName: "sa", HostNetwork: false,
			Containers:     []corev1.Container{{Name: "c", Image: "img", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}}}, {Name: "quiet", Image: "img"}},
			InitContainers: []corev1.Container{{Name: "side", RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "m", ContainerPort: 9}}}, {Name: "once", Ports: []corev1.ContainerPort{{ContainerPort: 1}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1", PodIPs: []corev1.PodIP{{IP: "10.0.0.1"}}, HostIP: "192.0.2.1"},
	}
	got, err := transform(p)
	if err != nil {
		t.Fatal(err)
	}
	s := got.(*corev1.Pod)
	if s.Labels["app"] != "a" || s.Annotations != nil || s.ManagedFields != nil || s.Spec.NodeName != "n" || s.Spec.ServiceAccountName != "sa" ||
		s.Status.PodIP != "10.0.0.1" || len(s.Status.PodIPs) != 1 || s.Status.HostIP != "" || s.Kind != "Pod" {
		t.Errorf("stripped pod = %+v", s)
	}
	if len(s.Spec.Containers) != 1 || s.Spec.Containers[0].Image != "" || len(s.Spec.InitContainers) != 1 || s.Spec.InitContainers[0].Name != "side" {
		t.Errorf("stripped containers = %+v, init %+v", s.Spec.Containers, s.Spec.InitContainers)
	}
}
