package offline

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// ErrUnavailable is returned by NewBPF when this process cannot load BPF
// programs (not root, or the kernel refuses): the Go evaluator answers
// instead.
var ErrUnavailable = errors.New("bpf datapath unavailable")

// TCX return codes of the programs (lib/common.h).
const (
	tcxNext = ^uint32(0)
	tcxPass = 0
	tcxDrop = 2
)

// datapathOptions keep each node's datapath small: a model has a few
// hundred connections, and the conntrack table, preallocated, is most of
// the load time.
var datapathOptions = bpf.Options{CTEntries: 4096, EventsBytes: 1 << 16}

// skbContext is the head of struct __sk_buff up to ifindex, which is what
// BPF_PROG_TEST_RUN reads: a non-zero ifindex makes the skb arrive on that
// device, which must exist; the programs find their endpoint by it.
type skbContext struct {
	Len, PktType, Mark, QueueMapping, Protocol uint32
	VlanPresent, VlanTCI, VlanProto, Priority  uint32
	IngressIfindex, Ifindex                    uint32
}

// BPF runs the real datapath programs on crafted packets, one private,
// unpinned datapath per node of the model it judges. Every test run
// arrives on the loopback device, where the endpoint under test is
// registered just before; every probe has a source port of its own, so
// no conntrack entry of an earlier probe short-circuits it. Its methods
// may be called from several goroutines; calls are serialised.
type BPF struct {
	mu       sync.Mutex
	loopback uint32
	slots    []*slot // by Node.Index
}

// NewBPF loads a first datapath, so that a process that may not load one
// (not root, no CAP_BPF) or a kernel without BPF learns it here
// (ErrUnavailable). Any other failure, such as the verifier rejecting the
// programs, is a bug and not ErrUnavailable.
func NewBPF() (*BPF, error) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return nil, fmt.Errorf("%w: find loopback: %w", ErrUnavailable, err)
	}
	b := &BPF{loopback: uint32(lo.Index)}
	s, err := newSlot()
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, ebpf.ErrNotSupported) {
		return nil, fmt.Errorf("%w (needs root or CAP_BPF): %w", ErrUnavailable, err)
	}
	if err != nil {
		return nil, err
	}
	b.slots = append(b.slots, s)
	return b, nil
}

// Name is "bpf".
func (*BPF) Name() string { return "bpf" }

// Close releases every datapath.
func (b *BPF) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, s := range b.slots {
		errs = append(errs, s.close())
	}
	b.slots = nil
	return errors.Join(errs...)
}

// Hook runs pkt through the program for dir with the endpoint registered
// on the loopback device, in the datapath holding n's maps.
func (b *BPF) Hook(n *Node, endpoint uint32, dir policy.Direction, pkt Packet) (Outcome, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	info, ok := n.State.Endpoints[endpoint]
	if !ok {
		return Outcome{}, fmt.Errorf("node %s has no endpoint %d", n.Name, endpoint)
	}
	s, err := b.slot(n)
	if err != nil {
		return Outcome{}, err
	}
	if s.endpoint != info {
		if err := endpointmap.New(s.objs.Endpoints).Upsert(b.loopback, info); err != nil {
			return Outcome{}, err
		}
		s.endpoint = info
	}
	sport, err := s.nextPort()
	if err != nil {
		return Outcome{}, err
	}
	prog := s.objs.ToPod
	if dir == policy.Egress {
		prog = s.objs.FromPod
	}
	code, err := prog.Run(&ebpf.RunOptions{Data: frame(pkt, sport), Context: &skbContext{Ifindex: b.loopback}})
	if err != nil {
		return Outcome{}, fmt.Errorf("run %s program: %w", dir, err)
	}
	ev, err := s.event()
	if err != nil {
		return Outcome{}, err
	}
	o := Outcome{Verdict: ev.Verdict, Reason: ev.Reason, Rule: policy.RuleID(ev.Rule), Peer: peerOf(ev, dir)}
	if dropped := code == tcxDrop; dropped != (o.Verdict == policy.Deny) || (!dropped && code != tcxNext && code != tcxPass) {
		return Outcome{}, fmt.Errorf("%s program returned %d with a %s flow event", dir, int32(code), o.Verdict)
	}
	return o, nil
}

// slot returns the datapath for n, loading one or n's maps as needed.
func (b *BPF) slot(n *Node) (*slot, error) {
	for len(b.slots) <= n.Index {
		s, err := newSlot()
		if err != nil {
			return nil, err
		}
		b.slots = append(b.slots, s)
	}
	s := b.slots[n.Index]
	if s.node != n {
		if err := s.fill(n); err != nil {
			return nil, fmt.Errorf("load the maps of node %s: %w", n.Name, err)
		}
	}
	return s, nil
}

// frame is pkt's first packet from source port sport: a TCP SYN, a UDP
// datagram or an SCTP packet; any other protocol with an empty payload.
func frame(pkt Packet, sport uint16) []byte {
	dport := pkt.Dst.Port()
	var l4 []byte
	switch pkt.Protocol {
	case bpf.ProtoTCP:
		l4 = pkttest.TCP{SrcPort: sport, DstPort: dport, Flags: pkttest.SYN}.Marshal()
	case bpf.ProtoUDP:
		l4 = pkttest.UDP{SrcPort: sport, DstPort: dport}.Marshal()
	case bpf.ProtoSCTP:
		l4 = pkttest.SCTP{SrcPort: sport, DstPort: dport}.Marshal()
	default:
		l4 = make([]byte, 8)
	}
	return pkttest.Frame(pkt.Src, pkt.Dst.Addr(), pkt.Protocol, l4)
}

// peerOf is the identity of the other end in a flow event of dir.
func peerOf(ev eventmap.Event, dir policy.Direction) secid.ID {
	if dir == policy.Egress {
		return secid.ID(ev.DstIdentity)
	}
	return secid.ID(ev.SrcIdentity)
}
