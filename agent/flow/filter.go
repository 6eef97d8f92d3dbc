package flow

import (
	"fmt"
	"strings"
	"time"

	"github.com/zeta-net/zeta/bpf"
)

// Filter selects records; the zero Filter selects all, and every field
// set narrows the selection. Normalize a Filter built from user input
// before matching with it.
type Filter struct {
	// FromPod and ToPod are namespace/name of the source and the
	// destination; Pod matches either end.
	FromPod, ToPod, Pod string
	// Namespace matches either end's namespace.
	Namespace string
	// Identity matches either end's security identity; 0 matches any.
	Identity uint32
	// Verdict is one of Verdicts.
	Verdict string
	// Protocol is a protocol name or number (TCP, UDP, SCTP, ICMP, ICMPv6, 47).
	Protocol string
	// Port matches either end's port.
	Port uint16
	// Since drops records older than this.
	Since time.Time
}

// Normalize checks f and rewrites its values the way records spell them:
// verdicts in upper case, protocols by name.
func (f *Filter) Normalize() error {
	for _, p := range []struct{ flag, value string }{{"from-pod", f.FromPod}, {"to-pod", f.ToPod}, {"pod", f.Pod}} {
		if p.value == "" {
			continue
		}
		ns, name, ok := strings.Cut(p.value, "/")
		if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			return fmt.Errorf("bad %s %q (want namespace/name)", p.flag, p.value)
		}
	}
	if f.Verdict != "" {
		v := strings.ToUpper(f.Verdict)
		known := false
		for _, k := range Verdicts {
			known = known || v == k
		}
		if !known {
			return fmt.Errorf("unknown verdict %q (want %s)", f.Verdict, strings.Join(Verdicts, ", "))
		}
		f.Verdict = v
	}
	if f.Protocol != "" {
		p, err := bpf.ParseProtocol(f.Protocol)
		if err != nil {
			return err
		}
		f.Protocol = bpf.ProtocolName(p)
	}
	return nil
}

// Match reports whether f selects r.
func (f *Filter) Match(r *Record) bool {
	switch {
	case f.Verdict != "" && r.Verdict != f.Verdict,
		f.Protocol != "" && r.Protocol != f.Protocol,
		f.Port != 0 && r.Source.Port != f.Port && r.Destination.Port != f.Port,
		f.Identity != 0 && r.Source.Identity != f.Identity && r.Destination.Identity != f.Identity,
		f.Namespace != "" && r.Source.Namespace != f.Namespace && r.Destination.Namespace != f.Namespace,
		f.FromPod != "" && !isPod(&r.Source, f.FromPod),
		f.ToPod != "" && !isPod(&r.Destination, f.ToPod),
		f.Pod != "" && !isPod(&r.Source, f.Pod) && !isPod(&r.Destination, f.Pod),
		!f.Since.IsZero() && r.Time.Before(f.Since):
		return false
	}
	return true
}

// isPod reports whether p is the pod namespace/name.
func isPod(p *Peer, key string) bool {
	ns, name, _ := strings.Cut(key, "/")
	return p.Pod == name && p.Namespace == ns
}
