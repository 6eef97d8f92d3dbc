package agent

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zeta-net/zeta/bpf/maps/eventmap"
)

// collector reads the datapath's counters on every scrape: the kernel
// keeps them, so there is nothing to update on the hot path.
type collector struct {
	a *Agent

	packets, bytes, eventsLost, rateLimited, records, endpoints, policyEntries, ipcache *prometheus.Desc
}

func newCollector(a *Agent) *collector {
	return &collector{
		a:             a,
		packets:       prometheus.NewDesc("zeta_datapath_packets_total", "Packets the datapath judged, by endpoint, verdict, reason and direction.", []string{"endpoint", "verdict", "reason", "direction"}, nil),
		bytes:         prometheus.NewDesc("zeta_datapath_bytes_total", "Bytes the datapath judged, by endpoint, verdict, reason and direction.", []string{"endpoint", "verdict", "reason", "direction"}, nil),
		eventsLost:    prometheus.NewDesc("zeta_flow_events_lost_total", "Flow events dropped because the ring buffer was full.", nil, nil),
		rateLimited:   prometheus.NewDesc("zeta_flow_events_rate_limited_total", "Flow events refused by an endpoint's rate limit.", nil, nil),
		records:       prometheus.NewDesc("zeta_flow_records_total", "Flow records produced.", nil, nil),
		endpoints:     prometheus.NewDesc("zeta_endpoints", "Local endpoints enforced.", nil, nil),
		policyEntries: prometheus.NewDesc("zeta_policy_entries", "Entries in the policy map.", nil, nil),
		ipcache:       prometheus.NewDesc("zeta_ipcache_entries", "Entries in the IP cache.", nil, nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.packets, c.bytes, c.eventsLost, c.rateLimited, c.records, c.endpoints, c.policyEntries, c.ipcache} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	a := c.a
	snap := a.snapshot.Load()
	if m, err := a.dp.Metrics.Sum(); err == nil {
		for k, v := range m {
			ep := "unknown"
			if w := snap.Endpoints[k.Endpoint]; w != nil {
				ep = w.Namespace + "/" + w.Name
			}
			labels := []string{ep, k.Verdict.String(), k.Reason.String(), k.Direction.String()}
			ch <- prometheus.MustNewConstMetric(c.packets, prometheus.CounterValue, float64(v.Packets), labels...)
			ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(v.Bytes), labels...)
		}
	}
	if n, err := eventmap.ReadCounter(a.dp.Objects.Counters, eventmap.EventsLost); err == nil {
		ch <- prometheus.MustNewConstMetric(c.eventsLost, prometheus.CounterValue, float64(n))
	}
	if n, err := eventmap.ReadCounter(a.dp.Objects.Counters, eventmap.EventsRateLimited); err == nil {
		ch <- prometheus.MustNewConstMetric(c.rateLimited, prometheus.CounterValue, float64(n))
	}
	ch <- prometheus.MustNewConstMetric(c.records, prometheus.CounterValue, float64(a.flows.Records()))
	counts := a.counts.Load()
	ch <- prometheus.MustNewConstMetric(c.endpoints, prometheus.GaugeValue, float64(counts.endpoints))
	ch <- prometheus.MustNewConstMetric(c.policyEntries, prometheus.GaugeValue, float64(counts.policy))
	ch <- prometheus.MustNewConstMetric(c.ipcache, prometheus.GaugeValue, float64(counts.ipcache))
}
