package bpfbench

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/zeta-net/zeta/agent"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// MaxPeers is how many peers the IP cache knows, whatever the Size.
const MaxPeers = 1000

// The endpoint, its peers and the ports they use.
const (
	endpointID        uint32   = 7
	podIdentity       secid.ID = 1000
	firstPeerIdentity secid.ID = 2000
	firstPort                  = 10000 // peers are allowed on firstPort upwards
	deniedPort                 = 7000  // which no entry allows
	peerPort                   = 40000 // the peers' source port
)

var podAddr = netip.MustParseAddr("10.0.0.1")

// peerAddr is peer i's address: 10.1.0.1 upwards.
func peerAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 1, byte((i + 1) >> 8), byte(i + 1)})
}

// Size is the endpoint's policy: each of Peers peers (identities) is
// allowed to Ports TCP ports, one entry each.
type Size struct{ Peers, Ports int }

// Entries is how many policy entries the endpoint gets.
func (s Size) Entries() int { return s.Peers * s.Ports }

// Sizes are the policies compared: one entry, and 10,000 entries over
// 1,000 identities.
var Sizes = []Size{{Peers: 1, Ports: 1}, {Peers: MaxPeers, Ports: 10}}

// Datapath is a private copy of the datapath with one endpoint.
type Datapath struct {
	objs    *bpf.Objects
	ifindex uint32 // of the loopback device, where test frames arrive
}

// New loads the datapath and fills its maps for an endpoint with size's
// policy.
func New(size Size) (*Datapath, error) {
	if size.Peers < 1 || size.Peers > MaxPeers || size.Ports < 1 || firstPort+size.Ports > 65536 {
		return nil, fmt.Errorf("new datapath: bad size %+v", size)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return nil, fmt.Errorf("new datapath: %w", err)
	}
	objs, err := bpf.Load(bpf.Options{})
	if err != nil {
		return nil, fmt.Errorf("new datapath: %w", err)
	}
	d := &Datapath{objs: objs, ifindex: uint32(lo.Index)}
	if err := d.fill(size); err != nil {
		return nil, fmt.Errorf("new datapath: %w", errors.Join(err, objs.Close()))
	}
	return d, nil
}

// Close releases the programs and maps.
func (d *Datapath) Close() error { return d.objs.Close() }

// fill writes the flow event limits the agent uses by default, the
// endpoint, the IP cache and the endpoint's policy entries.
func (d *Datapath) fill(size Size) error {
	def := agent.DefaultConfig()
	if err := eventmap.SetConfig(d.objs.Config, eventmap.Config{EventsPerSec: def.EventsPerSec, EventsBurst: def.EventsBurst}); err != nil {
		return err
	}
	ep := endpointmap.Info{ID: endpointID, Identity: uint32(podIdentity), Flags: endpointmap.EnforceIngress}
	if err := endpointmap.New(d.objs.Endpoints).Upsert(d.ifindex, ep); err != nil {
		return err
	}
	ipc := ipcache.New(d.objs.IPCache4, d.objs.IPCache6)
	if err := ipc.Upsert(netip.PrefixFrom(podAddr, 32), uint32(podIdentity)); err != nil {
		return err
	}
	for i := range MaxPeers {
		if err := ipc.Upsert(netip.PrefixFrom(peerAddr(i), 32), uint32(firstPeerIdentity)+uint32(i)); err != nil {
			return err
		}
	}
	pm := policymap.New(d.objs.Policy)
	for i := range size.Peers {
		for p := range size.Ports {
			e := policy.Entry{
				Direction:  policy.Ingress,
				Identity:   firstPeerIdentity + secid.ID(i),
				Protocol:   pkttest.ProtoTCP,
				Port:       uint16(firstPort + p),
				PortPrefix: 16,
				Verdict:    policy.Allow,
				Rule:       1,
			}
			if err := pm.Update(policymap.KeyOf(endpointID, e)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Entries counts the endpoint's entries in the policy map.
func (d *Datapath) Entries() (int, error) {
	all, err := policymap.New(d.objs.Policy).List()
	if err != nil {
		return 0, err
	}
	n := 0
	for k := range all {
		if k.Endpoint == endpointID {
			n++
		}
	}
	return n, nil
}
