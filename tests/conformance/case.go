package conformance

import (
	"fmt"
	"net/netip"
	"strings"
	"text/template"

	corev1 "k8s.io/api/core/v1"
)

// Case is one behaviour: steps of cluster states and the reachability
// each must show.
type Case struct {
	Name string
	// CI marks the representative cases the live suite runs by default;
	// it runs all of them with -zeta.full. Offline, every case runs.
	CI    bool
	Steps []Step
}

// Step is a whole cluster state and what it must allow.
type Step struct {
	// Name says what changed from the step before.
	Name string
	// Policies are YAML documents; see the package documentation for the
	// address functions they may use.
	Policies []string
	// PodLabels and NamespaceLabels replace the base labels of the pods
	// ("ns/pod") and namespaces they name.
	PodLabels       map[string]map[string]string
	NamespaceLabels map[string]map[string]string
	Expect          []Expect
}

// Expect is the reachability on one port, protocol and family.
type Expect struct {
	Protocol corev1.Protocol
	Port     int32
	IPv6     bool
	Reach    Reach
}

func (e Expect) String() string {
	family := "IPv4"
	if e.IPv6 {
		family = "IPv6"
	}
	return fmt.Sprintf("%s/%d %s", e.Protocol, e.Port, family)
}

// tcp80 is the most common expectation: TCP port 80 over IPv4.
func tcp80(r Reach) Expect { return Expect{Protocol: corev1.ProtocolTCP, Port: 80, Reach: r} }

// on is an expectation on another protocol, port or family.
func on(proto corev1.Protocol, port int32, ipv6 bool, r Reach) Expect {
	return Expect{Protocol: proto, Port: port, IPv6: ipv6, Reach: r}
}

// Addrs returns a pod's address of one family: where placement put it.
type Addrs func(pod string, ipv6 bool) (netip.Addr, bool)

// Render returns the policy YAML of step with the pods' addresses filled
// in.
func (s Step) Render(addrs Addrs) (string, error) {
	addr := func(pod string, ipv6 bool) (netip.Addr, error) {
		a, ok := addrs(pod, ipv6)
		if !ok {
			return netip.Addr{}, fmt.Errorf("no address of pod %s (IPv6: %t)", pod, ipv6)
		}
		return a, nil
	}
	cidr := func(ipv6 bool) func(string, int) (string, error) {
		return func(pod string, bits int) (string, error) {
			a, err := addr(pod, ipv6)
			if err != nil {
				return "", err
			}
			p, err := a.Prefix(bits)
			return p.String(), err
		}
	}
	funcs := template.FuncMap{
		"ip4":   func(pod string) (netip.Addr, error) { return addr(pod, false) },
		"ip6":   func(pod string) (netip.Addr, error) { return addr(pod, true) },
		"cidr4": cidr(false),
		"cidr6": cidr(true),
	}
	t, err := template.New("policies").Funcs(funcs).Option("missingkey=error").Parse(strings.Join(s.Policies, "---\n"))
	if err != nil {
		return "", fmt.Errorf("parse policies of step %q: %w", s.Name, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, nil); err != nil {
		return "", fmt.Errorf("render policies of step %q: %w", s.Name, err)
	}
	return b.String(), nil
}

// np is a NetworkPolicy document; spec is its spec in YAML, in flow style
// on one line or in block style starting with a newline and indented by
// two spaces.
func np(namespace, name, spec string) string {
	return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: %q, namespace: %q}\nspec: %s\n",
		name, namespace, spec)
}
