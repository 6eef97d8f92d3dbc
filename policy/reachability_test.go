package policy

import (
	"slices"
	"strings"
	"testing"
)

// The upstream e2e reachability tests' policies, the same shapes as
// test/e2e/network/netpol in Kubernetes.
const (
	denyIngressX = `{metadata: {name: deny-ingress, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress]}}`
	allowFromY   = `{metadata: {name: allow-from-y, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]}}`
	allowBToA80  = `{metadata: {name: allow-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: b}}}], ports: [{port: 80}]}]}}`
	yEgressToX80 = `{metadata: {name: egress-to-x, namespace: "y"}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {ns: x}}}], ports: [{port: 80}]}]}}`
)

// TestReachability computes the 9x9 matrix of which pod reaches which, a
// connection passing when the source's egress and the destination's
// ingress both allow it, and compares it with the matrix worked out by
// hand. Rows are sources, columns destinations, both x/a x/b x/c y/a ...
func TestReachability(t *testing.T) {
	tests := []struct {
		name     string
		policies []string
		port     uint16
		want     []string
	}{
		{"no policies", nil, 80, []string{
			"111 111 111", "111 111 111", "111 111 111",
			"111 111 111", "111 111 111", "111 111 111",
			"111 111 111", "111 111 111", "111 111 111",
		}},
		{"deny all ingress in x", []string{denyIngressX}, 80, []string{
			"... 111 111", "... 111 111", "... 111 111",
			"... 111 111", "... 111 111", "... 111 111",
			"... 111 111", "... 111 111", "... 111 111",
		}},
		{"x allows ingress from y only", []string{denyIngressX, allowFromY}, 80, []string{
			"... 111 111", "... 111 111", "... 111 111",
			"111 111 111", "111 111 111", "111 111 111",
			"... 111 111", "... 111 111", "... 111 111",
		}},
		{"x/a allows pods b on 80", []string{allowBToA80}, 80, []string{
			".11 111 111", "111 111 111", ".11 111 111",
			".11 111 111", "111 111 111", ".11 111 111",
			".11 111 111", "111 111 111", ".11 111 111",
		}},
		{"x/a allows pods b on 80, not 81", []string{allowBToA80}, 81, []string{
			".11 111 111", ".11 111 111", ".11 111 111",
			".11 111 111", ".11 111 111", ".11 111 111",
			".11 111 111", ".11 111 111", ".11 111 111",
		}},
		{"y egresses to x on 80 only, x admits y", []string{denyIngressX, allowFromY, yEgressToX80}, 80, []string{
			"... 111 111", "... 111 111", "... 111 111",
			"111 ... ...", "111 ... ...", "111 ... ...",
			"... 111 111", "... 111 111", "... 111 111",
		}},
		{"y egresses on 80 only: nothing on 81", []string{denyIngressX, allowFromY, yEgressToX80}, 81, []string{
			"... 111 111", "... 111 111", "... 111 111",
			"... ... ...", "... ... ...", "... ... ...",
			"... 111 111", "... 111 111", "... 111 111",
		}},
	}
	c := newCluster()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := c.input(policies(t, tt.policies...)...)
			eps := map[string]EndpointPolicy{}
			for _, name := range podNames {
				eps[name] = c.compile(t, in, name)
			}
			var got []string
			for _, src := range podNames {
				var row strings.Builder
				for i, dst := range podNames {
					if i > 0 && i%3 == 0 {
						row.WriteByte(' ')
					}
					sent := Evaluate(eps[src], Egress, c.ids[dst], protoTCP, tt.port).Verdict
					received := Evaluate(eps[dst], Ingress, c.ids[src], protoTCP, tt.port).Verdict
					if sent == Allow && received == Allow {
						row.WriteByte('1')
					} else {
						row.WriteByte('.')
					}
				}
				got = append(got, row.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("reachability on TCP/%d:\n%s\nwant\n%s", tt.port, matrix(got), matrix(tt.want))
			}
		})
	}
}

func matrix(rows []string) string {
	var b strings.Builder
	b.WriteString("     x   y   z\n")
	for i, r := range rows {
		b.WriteString(podNames[i] + "  " + r + "\n")
	}
	return b.String()
}
