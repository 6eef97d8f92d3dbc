package conformance

import (
	"fmt"
	"slices"
	"strings"
)

// Reach is expected reachability: rules over (from, to) patterns, applied
// in order, the last matching rule deciding; no rule matching means
// allowed. A pattern is "ns/pod", "ns/*", "*/pod" or "*".
type Reach []reachRule

type reachRule struct {
	from, to string
	allow    bool
}

// All is everything allowed: a cluster without policies.
func All() Reach { return nil }

// Deny returns r with connections from from to to denied.
func (r Reach) Deny(from, to string) Reach {
	return append(slices.Clip(r), reachRule{from, to, false})
}

// Allow returns r with connections from from to to allowed.
func (r Reach) Allow(from, to string) Reach {
	return append(slices.Clip(r), reachRule{from, to, true})
}

// Allowed reports whether r expects pod from to reach pod to. A pod always
// reaches itself.
func (r Reach) Allowed(from, to string) bool {
	if from == to {
		return true
	}
	allowed := true
	for _, rule := range r {
		if match(rule.from, from) && match(rule.to, to) {
			allowed = rule.allow
		}
	}
	return allowed
}

func match(pattern, pod string) bool {
	if pattern == "*" {
		return true
	}
	pns, pname, _ := strings.Cut(pattern, "/")
	ns, name, _ := strings.Cut(pod, "/")
	return (pns == "*" || pns == ns) && (pname == "*" || pname == name)
}

// Compare checks a matrix, allowed[from][to] over pods, against r and
// returns the cells that differ and a grid for people, or nothing when
// they agree.
func (r Reach) Compare(pods []string, allowed [][]bool) (diffs []string, grid string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s", "")
	for _, to := range pods {
		fmt.Fprintf(&b, " %-4s", to)
	}
	b.WriteString("   (cells: got, then want when they differ)\n")
	for i, from := range pods {
		fmt.Fprintf(&b, "%-6s", from)
		for j, to := range pods {
			got, want := allowed[i][j], r.Allowed(from, to)
			cell := mark(got)
			if got != want {
				cell = mark(got) + "≠" + mark(want)
				diffs = append(diffs, fmt.Sprintf("%s -> %s: got %t, want %t", from, to, got, want))
			}
			fmt.Fprintf(&b, " %-4s", cell)
		}
		b.WriteString("\n")
	}
	if len(diffs) == 0 {
		return nil, ""
	}
	return diffs, b.String()
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}
