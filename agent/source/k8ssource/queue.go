package k8ssource

import (
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/zeta-net/zeta/agent/source"
)

// Resources the source watches, in the order Revision lists them.
var resources = []string{"namespaces", "pods", "networkpolicies", "zerotrustpolicies", "clusterzerotrustpolicies"}

// item is a queued event of one resource.
type item struct {
	resource string
	ev       source.Event
}

// queue holds the informers' events until Run sends them. Handlers never
// block on the agent: the queue grows instead, which the initial list of a
// large cluster needs.
type queue struct {
	mu     sync.Mutex
	items  []item
	notify chan struct{} // one pending wake-up
	// sent is the newest resourceVersion sent per resource; only Run
	// touches it.
	sent map[string]uint64
}

func newQueue() *queue {
	return &queue{notify: make(chan struct{}, 1), sent: map[string]uint64{}}
}

func (q *queue) push(resource string, ev source.Event) {
	q.mu.Lock()
	q.items = append(q.items, item{resource, ev})
	q.mu.Unlock()
	q.wake()
}

func (q *queue) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop takes the oldest event, if any, and records its resourceVersion.
func (q *queue) pop() (source.Event, bool) {
	q.mu.Lock()
	if len(q.items) == 0 {
		q.mu.Unlock()
		return source.Event{}, false
	}
	it := q.items[0]
	q.items[0] = item{}
	q.items = q.items[1:]
	if len(q.items) == 0 {
		q.items = nil // let the backing array of a large burst go
	}
	q.mu.Unlock()
	if m, err := meta.Accessor(it.ev.Object); err == nil {
		// Kubernetes' resourceVersions are etcd revisions: numbers.
		if rv, err := strconv.ParseUint(m.GetResourceVersion(), 10, 64); err == nil && rv > q.sent[it.resource] {
			q.sent[it.resource] = rv
		}
	}
	return it.ev, true
}

// revision names what has been sent: the newest resourceVersion per
// resource.
func (q *queue) revision() string {
	var b strings.Builder
	for i, r := range resources {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r + "=" + strconv.FormatUint(q.sent[r], 10))
	}
	return b.String()
}

// Revision parses a Synced revision into the newest resourceVersion per
// resource, for clients waiting until the agent has their writes.
func Revision(rev string) map[string]uint64 {
	out := map[string]uint64{}
	for part := range strings.SplitSeq(rev, ",") {
		k, v, ok := strings.Cut(part, "=")
		if n, err := strconv.ParseUint(v, 10, 64); ok && err == nil {
			out[k] = n
		}
	}
	return out
}
