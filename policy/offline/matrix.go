package offline

import (
	"fmt"
	"github.com/zeta-net/zeta/policy/reach"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/bpf"
)

// Matrix is the reachability between every ordered pair of a model's pods.
// It has the shape of zeta-lab's matrix (tests/lab.Matrix), field for
// field, and names the evaluator that judged it.
type Matrix struct {
	reach.Matrix
	// Evaluator is "bpf" or "go".
	Evaluator string `json:"evaluator"`
	// Judgements are the verdicts behind Allowed, [from][to].
	Judgements [][]Judgement `json:"-"`
}

// Protocols the datapath judges by port, by their Kubernetes names.
var protocols = map[corev1.Protocol]uint8{
	corev1.ProtocolTCP:  bpf.ProtoTCP,
	corev1.ProtocolUDP:  bpf.ProtoUDP,
	corev1.ProtocolSCTP: bpf.ProtoSCTP,
}

// ParseProtocol accepts TCP, UDP or SCTP in any case.
func ParseProtocol(s string) (corev1.Protocol, error) {
	p := corev1.Protocol(strings.ToUpper(s))
	if _, ok := protocols[p]; !ok {
		return "", fmt.Errorf("unknown protocol %q (want TCP, UDP or SCTP)", s)
	}
	return p, nil
}

// ComputeMatrix judges every ordered pair of m's pods, each pod to itself
// included, on port over protocol.
func ComputeMatrix(ev Evaluator, m *Model, protocol corev1.Protocol, port int32, ipv6 bool) (*Matrix, error) {
	proto, ok := protocols[protocol]
	if !ok {
		return nil, fmt.Errorf("matrix: unknown protocol %q", protocol)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("matrix: invalid port %d", port)
	}
	n := len(m.Pods)
	mx := &Matrix{
		Matrix:    reach.Matrix{Protocol: protocol, Port: port, IPv6: ipv6, Pods: make([]string, n), Allowed: make([][]bool, n)},
		Evaluator: ev.Name(), Judgements: make([][]Judgement, n),
	}
	for i, p := range m.Pods {
		mx.Pods[i] = p.Key
	}
	for i, from := range mx.Pods {
		mx.Allowed[i] = make([]bool, n)
		mx.Judgements[i] = make([]Judgement, n)
		for j, to := range mx.Pods {
			jd, err := Judge(ev, m, from, to, proto, uint16(port), ipv6)
			if err != nil {
				return nil, fmt.Errorf("matrix %s/%d: %w", protocol, port, err)
			}
			mx.Allowed[i][j], mx.Judgements[i][j] = jd.Allowed, jd
		}
	}
	return mx, nil
}

// WriteTable writes m as zeta-lab does, rows sources and columns
// destinations numbered in the order of Pods, and then which evaluator
// judged it.
func (m *Matrix) WriteTable(w io.Writer) error {
	if err := m.Matrix.WriteTable(w); err != nil {
		return err
	}
	note := "evaluated offline by the datapath programs (BPF_PROG_TEST_RUN)"
	if m.Evaluator != "bpf" {
		note = "evaluated offline in Go (policy.Evaluate), not by the datapath programs"
	}
	_, err := fmt.Fprintf(w, "%s; a pod reaches itself without policy\n", note)
	return err
}

// Diff returns the cells where m and other differ, as "from -> to: m's
// answer, other's answer"; pods that differ are one difference.
func (m *Matrix) Diff(other *Matrix) []string {
	if strings.Join(m.Pods, ",") != strings.Join(other.Pods, ",") {
		return []string{fmt.Sprintf("pods differ: %v and %v", m.Pods, other.Pods)}
	}
	var out []string
	for i, from := range m.Pods {
		for j, to := range m.Pods {
			if m.Allowed[i][j] != other.Allowed[i][j] {
				out = append(out, fmt.Sprintf("%s -> %s: %t, %t", from, to, m.Allowed[i][j], other.Allowed[i][j]))
			}
		}
	}
	return out
}
