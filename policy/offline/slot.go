package offline

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
)

// Source ports of the probes: each slot hands them out in turn and clears
// its conntrack table when it starts over.
const (
	firstSourcePort = 1024
	lastSourcePort  = 65535
)

// slot is one loaded datapath and the node whose maps it holds.
type slot struct {
	objs *bpf.Objects
	ring *ringbuf.Reader

	node     *Node
	ipcache  []netip.Prefix // what fill wrote, for the next fill to remove
	policy   []policymap.Key
	endpoint endpointmap.Info
	sport    uint16 // the last source port used; 0 before the first
}

func newSlot() (*slot, error) {
	objs, err := bpf.Load(datapathOptions)
	if err != nil {
		return nil, err
	}
	ring, err := ringbuf.NewReader(objs.Events)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("read flow events: %w", err), objs.Close())
	}
	return &slot{objs: objs, ring: ring}, nil
}

func (s *slot) close() error {
	return errors.Join(s.ring.Close(), s.objs.Close())
}

// fill replaces the maps' content with n's IP cache and policy entries.
// The endpoint under test is registered per probe.
func (s *slot) fill(n *Node) error {
	s.node = nil
	ipc := ipcache.New(s.objs.IPCache4, s.objs.IPCache6)
	pol := policymap.New(s.objs.Policy)
	for _, p := range s.ipcache {
		if _, keep := n.State.IPCache[p]; !keep {
			if err := ipc.Delete(p); err != nil {
				return err
			}
		}
	}
	for _, k := range s.policy {
		if _, keep := n.State.Policy[k]; !keep {
			if err := pol.Delete(k); err != nil {
				return err
			}
		}
	}
	s.ipcache, s.policy = s.ipcache[:0], s.policy[:0]
	for p, id := range n.State.IPCache {
		if err := ipc.Upsert(p, id); err != nil {
			return err
		}
		s.ipcache = append(s.ipcache, p)
	}
	for k, v := range n.State.Policy {
		if err := pol.Update(k, v); err != nil {
			return err
		}
		s.policy = append(s.policy, k)
	}
	s.endpoint = endpointmap.Info{}
	s.node = n
	return nil
}

// nextPort returns a source port no probe of this datapath has used since
// its conntrack table was last cleared.
func (s *slot) nextPort() (uint16, error) {
	if s.sport == 0 || s.sport == lastSourcePort {
		if err := clearConntrack(s.objs.CT); err != nil {
			return 0, fmt.Errorf("clear conntrack: %w", err)
		}
		s.sport = firstSourcePort
		return s.sport, nil
	}
	s.sport++
	return s.sport, nil
}

// event returns the one flow event the last test run submitted. The
// program has submitted it before BPF_PROG_TEST_RUN returns, so a read
// with an expired deadline finds it.
func (s *slot) event() (eventmap.Event, error) {
	s.ring.SetDeadline(time.Now())
	var evs []eventmap.Event
	for {
		rec, err := s.ring.Read()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			return eventmap.Event{}, fmt.Errorf("read flow event: %w", err)
		}
		var ev eventmap.Event
		if err := eventmap.Decode(rec.RawSample, &ev); err != nil {
			return eventmap.Event{}, err
		}
		evs = append(evs, ev)
	}
	if len(evs) != 1 {
		return eventmap.Event{}, fmt.Errorf("the program submitted %d flow events, want 1", len(evs))
	}
	return evs[0], nil
}

// clearConntrack deletes every conntrack entry.
func clearConntrack(m *ebpf.Map) error {
	entries, err := ctmap.New(m).List()
	if err != nil {
		return err
	}
	for k := range entries {
		if err := m.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("delete conntrack entry: %w", err)
		}
	}
	return nil
}
