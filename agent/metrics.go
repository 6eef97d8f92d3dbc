package agent

import (
	"runtime"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/policy"
)

// mapCounts are the sizes of what the agent wrote, as of its last
// reconcile.
type mapCounts struct {
	endpoints, policy, ipcache int
	// policyByEndpoint counts policy entries by endpoint ID.
	policyByEndpoint map[uint32]int
}

// countMaps counts the mirror; only Run's loop may call it.
func (a *Agent) countMaps() *mapCounts {
	c := &mapCounts{
		endpoints: len(a.cur.endpoints), policy: len(a.cur.policy), ipcache: len(a.cur.ipcache),
		policyByEndpoint: map[uint32]int{},
	}
	for k := range a.cur.policy {
		c.policyByEndpoint[k.Endpoint]++
	}
	return c
}

// collector reads its numbers on every scrape: the datapath's counters
// from the kernel, the flow pipeline's from its atomics, so the hot paths
// update nothing for it. Names follow Prometheus conventions: a zeta_
// prefix, _total for counters, base units in the name.
type collector struct {
	a     *Agent
	descs []*prometheus.Desc // every one below, for Describe

	buildInfo, packets, bytes, dropped                                      *prometheus.Desc
	flows, eventsLost, rateLimited, badEvents, buffered, bufferCap          *prometheus.Desc
	queued, queueCap, delivered, consumerDropped, subscribers               *prometheus.Desc
	batches, failures, exported, retries, exporterDropped, exporterQueued   *prometheus.Desc
	endpoints, policyEntries, endpointPolicy, policyCap, ipcache, ct, ctCap *prometheus.Desc
}

func newCollector(a *Agent) *collector {
	var descs []*prometheus.Desc
	d := func(name, help string, labels ...string) *prometheus.Desc {
		desc := prometheus.NewDesc(name, help, labels, nil)
		descs = append(descs, desc)
		return desc
	}
	c := &collector{
		a:               a,
		buildInfo:       d("zeta_build_info", "Always 1; the labels say which agent runs.", "version", "go_version"),
		packets:         d("zeta_datapath_packets_total", "Packets the datapath judged, by endpoint, verdict, reason and direction.", "endpoint", "verdict", "reason", "direction"),
		bytes:           d("zeta_datapath_bytes_total", "Bytes the datapath judged, by endpoint, verdict, reason and direction.", "endpoint", "verdict", "reason", "direction"),
		dropped:         d("zeta_dropped_packets_total", "Packets the datapath dropped, by reason and direction.", "reason", "direction"),
		flows:           d("zeta_flow_records_total", "Flow records produced, by verdict and direction.", "verdict", "direction"),
		eventsLost:      d("zeta_flow_events_lost_total", "Flow events dropped because the ring buffer was full.", nil...),
		rateLimited:     d("zeta_flow_events_rate_limited_total", "Flow events refused by an endpoint's rate limit.", nil...),
		badEvents:       d("zeta_flow_bad_events_total", "Ring buffer records that could not be decoded.", nil...),
		buffered:        d("zeta_flow_buffer_records", "Flow records kept in memory for observers' history.", nil...),
		bufferCap:       d("zeta_flow_buffer_capacity_records", "Size of the in-memory flow history (--flow-buffer).", nil...),
		queued:          d("zeta_flow_consumer_queued_records", "Flow records waiting in an exporter's or subscriber's queue.", "consumer", "kind"),
		queueCap:        d("zeta_flow_consumer_queue_capacity_records", "Size of an exporter's or subscriber's queue (--flow-queue).", "consumer", "kind"),
		delivered:       d("zeta_flow_consumer_delivered_records_total", "Flow records that entered an exporter's or subscriber's queue and were not dropped.", "consumer", "kind"),
		consumerDropped: d("zeta_flow_consumer_dropped_records_total", "Flow records an exporter's or subscriber's full queue dropped, oldest first; ended subscribers count under consumer \"ended\".", "consumer", "kind"),
		subscribers:     d("zeta_flow_subscribers", "Open flow subscriptions (ObserveFlows streams).", nil...),
		batches:         d("zeta_flow_export_batches_total", "Batches of flow records handed to an exporter.", "exporter"),
		failures:        d("zeta_flow_export_failures_total", "Batches an exporter failed to take.", "exporter"),
		exported:        d("zeta_flow_exporter_exported_records_total", "Flow records an exporter's destination took, as the exporter counts them.", "exporter"),
		retries:         d("zeta_flow_exporter_retries_total", "Delivery attempts an exporter retried.", "exporter"),
		exporterDropped: d("zeta_flow_exporter_dropped_records_total", "Flow records an exporter gave up, as the exporter counts them.", "exporter"),
		exporterQueued:  d("zeta_flow_exporter_queued_records", "Flow records an exporter buffers and has not delivered.", "exporter"),
		endpoints:       d("zeta_endpoints", "Local endpoints enforced.", nil...),
		policyEntries:   d("zeta_policy_entries", "Entries in the policy map, all endpoints together.", nil...),
		endpointPolicy:  d("zeta_endpoint_policy_entries", "Entries in the policy map for one endpoint.", "endpoint", "pod"),
		policyCap:       d("zeta_policy_capacity_entries", "Size of the policy map, shared by all endpoints (--policy-entries).", nil...),
		ipcache:         d("zeta_ipcache_entries", "Entries in the IP cache.", nil...),
		ct:              d("zeta_conntrack_entries", "Entries in the conntrack table, expired ones not yet collected included.", nil...),
		ctCap:           d("zeta_conntrack_capacity_entries", "Size of the conntrack table (--ct-entries).", nil...),
	}
	c.descs = descs
	return c
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	a := c.a
	gauge(c.buildInfo, 1, a.cfg.Version, runtime.Version())
	c.collectDatapath(counter)
	c.collectFlows(gauge, counter)

	counts := a.counts.Load()
	snap := a.snapshot.Load()
	gauge(c.endpoints, float64(counts.endpoints))
	gauge(c.policyEntries, float64(counts.policy))
	for ep, n := range counts.policyByEndpoint {
		pod := ""
		if w := snap.Endpoints[ep]; w != nil {
			pod = w.Namespace + "/" + w.Name
		}
		gauge(c.endpointPolicy, float64(n), strconv.FormatUint(uint64(ep), 10), pod)
	}
	gauge(c.policyCap, float64(a.dp.Objects.Policy.MaxEntries()))
	gauge(c.ipcache, float64(counts.ipcache))
	if n, err := inspect.CountEntries(a.dp.Objects.CT); err == nil {
		gauge(c.ct, float64(n))
	}
	gauge(c.ctCap, float64(a.dp.Objects.CT.MaxEntries()))
}

// collectDatapath reports the per-CPU counters, summed. Endpoints that are
// gone share the name "unknown", so values are summed by label set.
func (c *collector) collectDatapath(counter func(*prometheus.Desc, uint64, ...string)) {
	a := c.a
	m, err := a.dp.Metrics.Sum()
	if err != nil {
		return
	}
	snap := a.snapshot.Load()
	type key struct{ endpoint, verdict, reason, direction string }
	type drop struct{ reason, direction string }
	packets, bytes, drops := map[key]uint64{}, map[key]uint64{}, map[drop]uint64{}
	for k, v := range m {
		ep := "unknown"
		if w := snap.Endpoints[k.Endpoint]; w != nil {
			ep = w.Namespace + "/" + w.Name
		}
		kk := key{ep, k.Verdict.String(), k.Reason.String(), k.Direction.String()}
		packets[kk] += v.Packets
		bytes[kk] += v.Bytes
		if k.Verdict == policy.Deny {
			drops[drop{kk.reason, kk.direction}] += v.Packets
		}
	}
	for k, v := range packets {
		counter(c.packets, v, k.endpoint, k.verdict, k.reason, k.direction)
		counter(c.bytes, bytes[k], k.endpoint, k.verdict, k.reason, k.direction)
	}
	for k, v := range drops {
		counter(c.dropped, v, k.reason, k.direction)
	}
}

// collectFlows reports the flow pipeline: records, the kernel's lost
// events, the history buffer and every consumer's queue.
func (c *collector) collectFlows(gauge func(*prometheus.Desc, float64, ...string), counter func(*prometheus.Desc, uint64, ...string)) {
	p := c.a.flows
	for _, n := range p.Counts() {
		counter(c.flows, n.Records, n.Verdict, n.Direction)
	}
	if k, err := p.KernelCounters(); err == nil {
		counter(c.eventsLost, k.Lost)
		counter(c.rateLimited, k.RateLimited)
	}
	counter(c.badEvents, p.BadEvents())
	st := p.Hub.Stats()
	gauge(c.buffered, float64(st.Buffered))
	gauge(c.bufferCap, float64(st.BufferSize))
	subscribers := 0
	for _, cs := range st.Consumers {
		gauge(c.queued, float64(cs.Queued), cs.Name, cs.Kind)
		gauge(c.queueCap, float64(cs.QueueSize), cs.Name, cs.Kind)
		counter(c.delivered, cs.Delivered, cs.Name, cs.Kind)
		counter(c.consumerDropped, cs.Dropped, cs.Name, cs.Kind)
		if cs.Kind == flow.KindExporter {
			counter(c.batches, cs.Batches, cs.Name)
			counter(c.failures, cs.Failures, cs.Name)
		} else {
			subscribers++
		}
	}
	counter(c.delivered, st.EndedDelivered, "ended", flow.KindSubscriber)
	counter(c.consumerDropped, st.EndedDropped, "ended", flow.KindSubscriber)
	gauge(c.subscribers, float64(subscribers))
	for name, s := range c.a.exporterStats() {
		counter(c.exported, s.Exported, name)
		counter(c.retries, s.Retried, name)
		counter(c.exporterDropped, s.Dropped, name)
		gauge(c.exporterQueued, float64(s.QueueDepth), name)
	}
}
