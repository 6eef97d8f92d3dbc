package offline

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes x for people: the verdict, then each hook.
func (x *Explanation) WriteTable(w io.Writer) error {
	family := "IPv4"
	if x.IPv6 {
		family = "IPv6"
	}
	verdict := "DENIED"
	if x.Allowed {
		verdict = "ALLOWED"
	}
	by := "the datapath programs"
	if x.Evaluator != "bpf" {
		by = "Go (policy.Evaluate), not the datapath programs"
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "%s -> %s %s/%d %s (%s -> %s): %s\n", x.From.Pod, x.To.Pod, x.Protocol, x.Port, family, x.From.Addr, x.To.Addr, verdict)
	fmt.Fprintf(tw, "judged by %s\n", by)
	if x.Disagreement != "" {
		fmt.Fprintf(tw, "WARNING: the evaluators disagree, a bug: %s\n", x.Disagreement)
	}
	if x.Self {
		fmt.Fprintln(tw, "a pod reaching itself never leaves its network namespace: no hook judges it")
	}
	for _, h := range []*HookExplanation{x.Egress, x.Ingress} {
		if h != nil {
			h.write(tw)
		}
	}
	return tw.Flush()
}

func (h *HookExplanation) write(w io.Writer) {
	fmt.Fprintf(w, "\n%s at %s (on %s, endpoint %d): %s\n", h.Direction, h.Pod, h.Node, h.Endpoint, h.Verdict)
	enforced := "no"
	if h.Enforced {
		enforced = "yes, by " + strings.Join(h.EnforcedBy, ", ")
	}
	fmt.Fprintf(w, "  enforced:\t%s\n", enforced)
	peer := fmt.Sprintf("identity %s", h.Peer)
	if h.PeerLabels != "" {
		peer += " (" + h.PeerLabels + ")"
	}
	fmt.Fprintf(w, "  peer:\t%s\n", peer)
	if len(h.Matches) == 0 {
		fmt.Fprintf(w, "  matching entries:\tnone\n")
	} else {
		fmt.Fprintf(w, "  matching entries:\tRULE\tPEER\tPROTOCOL\tPORTS\tVERDICT\n")
		for _, m := range h.Matches {
			fmt.Fprintf(w, "\t%s\t%s\t%s\t%s\t%s\n", m.Rule, m.Peer, m.Protocol, m.Ports, m.Verdict)
		}
	}
	fmt.Fprintf(w, "  why:\t%s\n", h.Why)
}
