// Package reach is the reachability matrix that zeta-lab measures live and
// zetactl policy matrix computes offline: one type, so that the two print
// and serialise alike and can be compared cell by cell.
package reach

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
)

// Matrix is the reachability between every ordered pair of pods.
type Matrix struct {
	Protocol corev1.Protocol `json:"protocol"`
	Port     int32           `json:"port"`
	IPv6     bool            `json:"ipv6,omitempty"`
	Pods     []string        `json:"pods"`    // sorted
	Allowed  [][]bool        `json:"allowed"` // [from][to], indexes into Pods
}

// WriteTable writes m as a grid: rows are sources, columns destinations,
// both numbered in the order of Pods.
func (m *Matrix) WriteTable(w io.Writer) error {
	family := "IPv4"
	if m.IPv6 {
		family = "IPv6"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	row := []string{fmt.Sprintf("%s/%d %s", m.Protocol, m.Port, family)}
	for j := range m.Pods {
		row = append(row, strconv.Itoa(j+1))
	}
	fmt.Fprintln(tw, strings.Join(row, "\t"))
	for i, from := range m.Pods {
		row = []string{fmt.Sprintf("%d %s", i+1, from)}
		for _, ok := range m.Allowed[i] {
			cell := "✗"
			if ok {
				cell = "✓"
			}
			row = append(row, cell)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}
