package datapath

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
)

// Datapath is the loaded datapath of one node.
type Datapath struct {
	Objects   *bpf.Objects
	Endpoints *endpointmap.Map
	IPCache   *ipcache.Map
	Policy    *policymap.Map
	CT        *ctmap.Map
	Metrics   *metricsmap.Map
	Intercept *interceptmap.Map

	log  *slog.Logger
	root string

	mu         sync.Mutex
	links      map[hook]link.Link
	proxyRoute bool // installed by this Datapath: proxyroute.go
}

type hook struct {
	ifindex int
	egress  bool
}

func (h hook) name() string {
	dir := "ingress"
	if h.egress {
		dir = "egress"
	}
	return fmt.Sprintf("tcx-%d-%s", h.ifindex, dir)
}

// Open loads the datapath with its maps pinned under root/maps and adopts
// the links pinned under root/links.
func Open(root string, opts bpf.Options, log *slog.Logger) (*Datapath, error) {
	opts.PinPath = filepath.Join(root, "maps")
	objs, err := bpf.Load(opts)
	if err != nil {
		return nil, err
	}
	d := &Datapath{
		Objects:   objs,
		Endpoints: endpointmap.New(objs.Endpoints),
		IPCache:   ipcache.New(objs.IPCache4, objs.IPCache6),
		Policy:    policymap.New(objs.Policy),
		CT:        ctmap.New(objs.CT),
		Metrics:   metricsmap.New(objs.Metrics),
		Intercept: interceptmap.New(objs.Intercept),
		log:       log,
		root:      root,
		links:     map[hook]link.Link{},
	}
	if err := d.adoptLinks(); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	return d, nil
}

func (d *Datapath) linkDir() string { return filepath.Join(d.root, "links") }

func (d *Datapath) program(h hook) *ebpf.Program {
	if h.egress {
		return d.Objects.ToPod
	}
	return d.Objects.FromPod
}

// adoptLinks takes over the links an earlier agent pinned, moving each to
// this agent's program without detaching it. Links whose interface is gone
// are unpinned.
func (d *Datapath) adoptLinks() error {
	entries, err := os.ReadDir(d.linkDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("adopt links: %w", err)
	}
	for _, e := range entries {
		var h hook
		var dir string
		if _, err := fmt.Sscanf(e.Name(), "tcx-%d-%s", &h.ifindex, &dir); err != nil {
			d.log.Warn("ignoring unknown pin", "path", e.Name())
			continue
		}
		h.egress = dir == "egress"
		path := filepath.Join(d.linkDir(), e.Name())
		l, err := link.LoadPinnedLink(path, nil)
		if err != nil {
			return fmt.Errorf("adopt link %s: %w", path, err)
		}
		info, err := l.Info()
		if err != nil || info.TCX() == nil || info.TCX().Ifindex == 0 {
			// The interface went away while no agent ran: the link is defunct.
			d.log.Info("removing defunct link", "pin", path)
			errs := errors.Join(l.Unpin(), l.Close())
			if errs != nil {
				return fmt.Errorf("remove defunct link %s: %w", path, errs)
			}
			continue
		}
		if err := l.Update(d.program(h)); err != nil {
			return fmt.Errorf("update adopted link %s: %w", path, errors.Join(err, l.Close()))
		}
		d.links[h] = l
		d.log.Debug("adopted link", "ifindex", h.ifindex, "egress", h.egress)
	}
	return nil
}

// Attach makes sure both programs run on the interface.
func (d *Datapath) Attach(ifindex int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(d.linkDir(), 0o700); err != nil {
		return fmt.Errorf("attach %d: %w", ifindex, err)
	}
	for _, egress := range []bool{false, true} {
		h := hook{ifindex: ifindex, egress: egress}
		if _, ok := d.links[h]; ok {
			continue
		}
		attach := ebpf.AttachTCXIngress
		if egress {
			attach = ebpf.AttachTCXEgress
		}
		l, err := link.AttachTCX(link.TCXOptions{Interface: ifindex, Program: d.program(h), Attach: attach})
		if err != nil {
			return fmt.Errorf("attach tcx to ifindex %d: %w", ifindex, err)
		}
		if err := l.Pin(filepath.Join(d.linkDir(), h.name())); err != nil {
			return fmt.Errorf("pin tcx link of ifindex %d: %w", ifindex, errors.Join(err, l.Close()))
		}
		d.links[h] = l
	}
	return nil
}

// Detach removes both programs from the interface, if they were attached.
func (d *Datapath) Detach(ifindex int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, egress := range []bool{false, true} {
		h := hook{ifindex: ifindex, egress: egress}
		l, ok := d.links[h]
		if !ok {
			continue
		}
		if err := errors.Join(l.Unpin(), l.Close()); err != nil {
			errs = append(errs, fmt.Errorf("detach %s: %w", h.name(), err))
		}
		delete(d.links, h)
	}
	return errors.Join(errs...)
}

// Attached returns the interfaces that have the programs attached.
func (d *Datapath) Attached() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []int
	for h := range d.links {
		if !slices.Contains(out, h.ifindex) {
			out = append(out, h.ifindex)
		}
	}
	slices.Sort(out)
	return out
}

// Links returns the kernel's ID of each attached link, by pin name.
func (d *Datapath) Links() map[string]link.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]link.ID{}
	for h, l := range d.links {
		if info, err := l.Info(); err == nil {
			out[h.name()] = info.ID
		}
	}
	return out
}

// Close releases the agent's handles; pinned maps and links stay and keep
// enforcing.
func (d *Datapath) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for h, l := range d.links {
		errs = append(errs, l.Close())
		delete(d.links, h)
	}
	errs = append(errs, d.Objects.Close())
	return errors.Join(errs...)
}

// Uninstall detaches every pinned link under root and removes every pin.
func Uninstall(root string) error {
	var errs []error
	links := filepath.Join(root, "links")
	entries, err := os.ReadDir(links)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uninstall: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(links, e.Name())
		l, err := link.LoadPinnedLink(path, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("uninstall link %s: %w", path, err))
			continue
		}
		errs = append(errs, l.Unpin(), l.Close())
	}
	if err := os.RemoveAll(root); err != nil {
		errs = append(errs, fmt.Errorf("uninstall: %w", err))
	}
	return errors.Join(errs...)
}
