package inspect

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
)

// Metric is one datapath counter, summed over CPUs.
type Metric struct {
	Endpoint  uint32 `json:"endpoint"`
	Direction string `json:"direction"`
	Verdict   string `json:"verdict"`
	Reason    string `json:"reason"`
	Packets   uint64 `json:"packets"`
	Bytes     uint64 `json:"bytes"`
}

// MetricList is the output of Metrics.
type MetricList []Metric

// Metrics reads the per-endpoint packet and byte counters.
func (n Node) Metrics() (MetricList, error) {
	m, err := n.openMap(mapMetrics)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	sums, err := metricsmap.New(m).Sum()
	if err != nil {
		return nil, err
	}
	out := MetricList{}
	for k, v := range sums {
		out = append(out, Metric{
			Endpoint:  k.Endpoint,
			Direction: k.Direction.String(),
			Verdict:   k.Verdict.String(),
			Reason:    k.Reason.String(),
			Packets:   v.Packets,
			Bytes:     v.Bytes,
		})
	}
	slices.SortFunc(out, func(a, b Metric) int {
		return cmp.Or(
			cmp.Compare(a.Endpoint, b.Endpoint),
			cmp.Compare(a.Direction, b.Direction),
			cmp.Compare(a.Verdict, b.Verdict),
			cmp.Compare(a.Reason, b.Reason),
		)
	})
	return out, nil
}

// Tables implements Tabler.
func (l MetricList) Tables() []Table {
	t := Table{Header: []string{"ENDPOINT", "DIRECTION", "VERDICT", "REASON", "PACKETS", "BYTES"}}
	for _, m := range l {
		t.Rows = append(t.Rows, []string{
			strconv.FormatUint(uint64(m.Endpoint), 10), m.Direction, m.Verdict, m.Reason,
			strconv.FormatUint(m.Packets, 10), strconv.FormatUint(m.Bytes, 10),
		})
	}
	return []Table{t}
}
