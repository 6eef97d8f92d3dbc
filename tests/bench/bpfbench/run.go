package bpfbench

import (
	"fmt"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf/pkttest"
)

// TCX return codes.
const (
	tcxNext uint32 = 0xffffffff
	tcxDrop uint32 = 2
)

// skbContext is the head of struct __sk_buff up to ifindex, the field
// BPF_PROG_TEST_RUN makes the skb arrive on.
type skbContext struct {
	Len, PktType, Mark, QueueMapping, Protocol uint32
	VlanPresent, VlanTCI, VlanProto, Priority  uint32
	IngressIfindex, Ifindex                    uint32
}

// The frames: peer 0 connects to the pod, to a denied port (denied) or an
// allowed one (opening, its SYN-ACK reply and the ACK that follows).
var (
	denied      = tcpFrame(peerAddr(0), podAddr, peerPort, deniedPort, pkttest.SYN)
	opening     = tcpFrame(peerAddr(0), podAddr, peerPort, firstPort, pkttest.SYN)
	reply       = tcpFrame(podAddr, peerAddr(0), firstPort, peerPort, pkttest.SYN|pkttest.ACK)
	established = tcpFrame(peerAddr(0), podAddr, peerPort, firstPort, pkttest.ACK)
)

// tcpFrame returns an Ethernet frame with a TCP segment without payload.
func tcpFrame(src, dst netip.Addr, sport, dport uint16, flags uint8) []byte {
	return pkttest.Frame(src, dst, pkttest.ProtoTCP, pkttest.TCP{SrcPort: sport, DstPort: dport, Flags: flags}.Marshal())
}

// Packet is a benchmarked packet.
type Packet int

// Packets.
const (
	// NewConnection is the SYN of a new connection that the policy
	// denies: a full policy lookup, then the drop's counter and flow
	// event (rate limited as the agent configures it).
	NewConnection Packet = iota
	// Established is a packet of an allowed, established connection: a
	// conntrack hit, no policy lookup.
	Established
)

func (p Packet) String() string {
	if p == Established {
		return "established connection: conntrack hit"
	}
	return "new connection: policy lookup, denied"
}

// Time runs p n times in one BPF_PROG_TEST_RUN and returns how long that
// took, the system call's own cost included.
func (d *Datapath) Time(p Packet, n int) (time.Duration, error) {
	frame, want, err := d.prepare(p)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := d.run(d.objs.ToPod, frame, n, want); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// Bench runs p b.N times in one BPF_PROG_TEST_RUN.
func (d *Datapath) Bench(b *testing.B, p Packet) {
	frame, want, err := d.prepare(p)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	err = d.run(d.objs.ToPod, frame, b.N, want)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
}

// prepare returns p's frame and return code, opening the connection an
// established packet belongs to.
func (d *Datapath) prepare(p Packet) ([]byte, uint32, error) {
	if p == NewConnection {
		return denied, tcxDrop, nil
	}
	if err := d.run(d.objs.ToPod, opening, 1, tcxNext); err != nil {
		return nil, 0, fmt.Errorf("open connection: SYN: %w", err)
	}
	if err := d.run(d.objs.FromPod, reply, 1, tcxNext); err != nil {
		return nil, 0, fmt.Errorf("open connection: SYN-ACK: %w", err)
	}
	return established, tcxNext, nil
}

// run runs frame through prog repeat times and checks the last return code.
func (d *Datapath) run(prog *ebpf.Program, frame []byte, repeat int, want uint32) error {
	if repeat < 1 || repeat > math.MaxUint32 {
		return fmt.Errorf("run program: repeat %d out of range", repeat)
	}
	code, err := prog.Run(&ebpf.RunOptions{Data: frame, Context: &skbContext{Ifindex: d.ifindex}, Repeat: uint32(repeat)})
	if err != nil {
		return err
	}
	if code != want {
		return fmt.Errorf("run program: return code %#x, want %#x", code, want)
	}
	return nil
}
