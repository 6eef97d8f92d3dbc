package inspect

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// Link is one pinned TCX link: a program attached to an interface.
type Link struct {
	Pin     string `json:"pin"`
	Ifindex uint32 `json:"ifindex"`
	// Interface is empty when the interface is not in zetactl's network
	// namespace: the agent may run in another.
	Interface string `json:"interface,omitempty"`
	// Hook is the TCX hook: ingress runs on what the pod sends, egress on
	// what it receives.
	Hook      string `json:"hook"`
	LinkID    uint32 `json:"link_id"`
	ProgramID uint32 `json:"program_id"`
	Program   string `json:"program,omitempty"`
	// Defunct is set when the interface is gone but the pin remains.
	Defunct bool   `json:"defunct,omitempty"`
	Error   string `json:"error,omitempty"`
}

// links reads every pinned link; a link that cannot be read is listed
// with its error. No links directory means nothing is attached.
func (n Node) links() ([]Link, error) {
	entries, err := os.ReadDir(n.linksDir())
	if errors.Is(err, os.ErrNotExist) {
		return []Link{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list pinned links: %w", err)
	}
	out := []Link{}
	for _, e := range entries {
		l := Link{Pin: e.Name()}
		if err := l.read(filepath.Join(n.linksDir(), e.Name())); err != nil {
			l.Error = err.Error()
		}
		out = append(out, l)
	}
	return out, nil
}

func (l *Link) read(path string) error {
	pinned, err := link.LoadPinnedLink(path, nil) // links take no read-only flag
	if err != nil {
		return fmt.Errorf("load link: %w", err)
	}
	defer pinned.Close()
	info, err := pinned.Info()
	if err != nil {
		return fmt.Errorf("read link info: %w", err)
	}
	l.LinkID, l.ProgramID = uint32(info.ID), uint32(info.Program)
	l.Program = programName(info.Program)
	tcx := info.TCX()
	if tcx == nil {
		return fmt.Errorf("not a tcx link (type %d)", info.Type)
	}
	l.Ifindex = tcx.Ifindex
	attach := ebpf.AttachType(tcx.AttachType)
	switch attach {
	case ebpf.AttachTCXIngress:
		l.Hook = "ingress"
	case ebpf.AttachTCXEgress:
		l.Hook = "egress"
	}
	if tcx.Ifindex == 0 {
		l.Defunct = true
		return nil
	}
	l.Interface = interfaceName(tcx.Ifindex, attach, info.ID)
	return nil
}

// interfaceName names the interface a link is attached to if it is in
// zetactl's network namespace. Each namespace numbers its interfaces
// itself, so the name of the local ifindex counts only if that interface
// carries this very link.
func interfaceName(ifindex uint32, attach ebpf.AttachType, id link.ID) string {
	iface, err := net.InterfaceByIndex(int(ifindex))
	if err != nil {
		return ""
	}
	res, err := link.QueryPrograms(link.QueryOptions{Target: int(ifindex), Attach: attach})
	if err != nil {
		return ""
	}
	for _, p := range res.Programs {
		if lid, ok := p.LinkID(); ok && lid == id {
			return iface.Name
		}
	}
	return ""
}

// programName is the name of a loaded program, or empty if it cannot be
// read.
func programName(id ebpf.ProgramID) string {
	p, err := ebpf.NewProgramFromID(id)
	if err != nil {
		return ""
	}
	defer p.Close()
	info, err := p.Info()
	if err != nil {
		return ""
	}
	return info.Name
}
