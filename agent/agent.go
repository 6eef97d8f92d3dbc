package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/vishvananda/netlink"

	"github.com/zeta-net/zeta/agent/datapath"
	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/agent/statefile"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy/secid"
)

// Agent enforces policy on one node.
type Agent struct {
	cfg      Config
	log      *slog.Logger
	dp       *datapath.Datapath
	computer *desired.Computer
	flows    *flow.Pipeline
	flowLog  *flow.JSONLines
	obs      observers   // flows' fan-out, the API, metrics: observe.go
	names    enrichNames // owned by the flow reader: enrich.go

	// Owned by Run's loop.
	cur     mirror
	invalid map[string]string
	warned  map[string]string
	// host is what the last reconcile read of the node, if it left
	// nothing to wait for; nil makes the next resync reconcile.
	host *host
	// ends reports ended connections and collects conntrack: ctend.go.
	ends connEnds
	// reporter takes the verdicts on policies, if the source does: report.go.
	reporter source.Reporter

	// td is the trust domain; proxy is the mutual-TLS proxy, nil unless
	// configured: proxy.go.
	td    spiffeid.TrustDomain
	proxy *proxies

	snapshot atomic.Pointer[desired.Snapshot]
	counts   atomic.Pointer[mapCounts]
	status   atomic.Pointer[health.Status]
}

// New loads the datapath, adopting whatever an earlier agent pinned, and
// reads back what the maps hold.
func New(cfg Config, log *slog.Logger) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	td, err := spiffeid.TrustDomainFromString(cfg.TrustDomain)
	if err != nil {
		return nil, fmt.Errorf("invalid trust domain: %w", err)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	ids, err := secid.NewAllocator(filepath.Join(cfg.StateDir, IdentitiesFile))
	if err != nil {
		return nil, err
	}
	dp, err := datapath.Open(cfg.BPFFSRoot, cfg.Maps, log)
	if err != nil {
		return nil, err
	}
	computer := desired.NewComputer(desired.Config{
		Node:        cfg.Node,
		LabelFilter: cfg.LabelFilter,
		TrustDomain: td,
		DefaultDeny: cfg.DefaultDeny,
		AuditMode:   cfg.AuditMode,
	}, ids)
	a := &Agent{cfg: cfg, log: log, dp: dp, computer: computer, td: td}
	if err := a.init(); err != nil {
		return nil, errors.Join(err, dp.Close())
	}
	return a, nil
}

func (a *Agent) init() error {
	if err := eventmap.SetConfig(a.dp.Objects.Config, eventmap.Config{EventsPerSec: a.cfg.EventsPerSec, EventsBurst: a.cfg.EventsBurst}); err != nil {
		return err
	}
	if err := a.readMirror(); err != nil {
		return err
	}
	rd, err := eventmap.NewReader(a.dp.Objects.Events)
	if err != nil {
		return err
	}
	if err := a.initFlows(rd); err != nil {
		return errors.Join(err, rd.Close())
	}
	a.snapshot.Store(&desired.Snapshot{Node: a.cfg.Node})
	a.counts.Store(a.countMaps())
	a.status.Store(&health.Status{Error: "waiting for the first full state"})
	if a.cfg.Proxy {
		return a.initProxy()
	}
	return nil
}

// Run enforces what src describes until ctx is done. The pinned maps and
// links stay when it returns, so enforcement carries on.
func (a *Agent) Run(ctx context.Context, src source.Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(a))
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	handler := health.Handler(a.readiness, metrics)

	var wg sync.WaitGroup
	errc := make(chan error, 16) // room for every goRun, so none blocks after loop returns
	goRun := func(name string, f func(context.Context) error) {
		wg.Go(func() {
			if err := f(ctx); err != nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	events := make(chan source.Event, 1024)
	goRun("health", func(ctx context.Context) error {
		return health.Serve(ctx, filepath.Join(a.cfg.StateDir, HealthSocket), handler)
	})
	goRun("flows", a.flows.Run)
	a.runObservers(src, metrics, goRun)
	a.reporter, _ = src.(source.Reporter)
	if a.proxy != nil {
		a.runProxy(goRun)
	}
	goRun("source", func(ctx context.Context) error { return src.Run(ctx, events) })
	routes := make(chan netlink.RouteUpdate, 64)
	if err := netlink.RouteSubscribeWithOptions(routes, ctx.Done(), netlink.RouteSubscribeOptions{
		ErrorCallback: func(err error) { a.log.Warn("route subscription", "error", err) },
	}); err != nil {
		a.log.Warn("no route events; relying on resync", "error", err)
		routes = nil
	}

	err := a.loop(ctx, events, routes, errc)
	cancel()
	wg.Wait()
	return err
}

// loop applies what the source sends. It reconciles after every batch of
// events and route changes, and on every resync tick, which exists to
// pick up interfaces that came without a route event: a tick with nothing
// new from the source and no route events to miss checks the host and,
// if it is unchanged, does nothing (see reconcile). routes is nil when
// there are no route events.
func (a *Agent) loop(ctx context.Context, events <-chan source.Event, routes <-chan netlink.RouteUpdate, errc <-chan error) error {
	c := desired.NewCluster()
	synced, dirty := false, false
	changed := false // by the source or a route since the last reconcile
	revision := ""
	resync := time.NewTicker(a.cfg.Resync)
	defer resync.Stop()
	gc := time.NewTicker(a.cfg.CTGCInterval)
	defer gc.Stop()

	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case ev := <-events:
			if ev.Type == source.Synced {
				synced, revision = true, ev.Revision
			} else {
				c.Apply(ev)
			}
			dirty, changed = true, true
		case _, ok := <-routes:
			if !ok {
				a.log.Warn("route events stopped; relying on resync")
				routes = nil
			}
			dirty, changed = true, true
		case <-resync.C:
			dirty = true
		case <-gc.C:
			a.gcConntrack()
		}
		// Drain what is queued first, so that a batch is applied at once.
		if synced && dirty && len(events) == 0 && len(routes) == 0 {
			a.reconcile(c, revision, changed || routes == nil)
			dirty, changed = false, false
		}
	}
}

// reconcile brings the datapath in line with c and the host. Unless
// changed, it does nothing if the host is the same as when the last
// reconcile left nothing to wait for.
func (a *Agent) reconcile(c *desired.Cluster, revision string, changed bool) {
	h, err := readHost()
	if err == nil && !changed && a.host != nil && a.host.equal(h) {
		return
	}
	a.host = nil
	st := health.Status{Applied: a.status.Load().Applied}
	if err == nil {
		err = a.reconcileOnce(c, h)
	}
	if err == nil {
		missing := a.missingEndpoints(c)
		if len(missing) == 0 {
			st = health.Status{Ready: true, Applied: revision}
			a.host = &h
		} else {
			err = fmt.Errorf("waiting for the interfaces of %s", strings.Join(missing, ", "))
		}
	} else {
		a.log.Error("reconcile failed; retrying", "error", err)
	}
	snap := a.snapshot.Load()
	st.Endpoints = len(snap.Endpoints)
	if err != nil {
		st.Error = err.Error()
	}
	a.status.Store(&st)
	a.counts.Store(a.countMaps())
}

func (a *Agent) reconcileOnce(c *desired.Cluster, h host) error {
	d, err := a.computer.Compute(c, h.addrs, vethOf)
	if err != nil {
		return err
	}
	a.logInvalid(d.Invalid, d.Warnings)
	a.report(c, d.Invalid, d.Warnings)
	if err := a.apply(d); err != nil {
		return err
	}
	if !maps.Equal(d.Snapshot.Rules, a.snapshot.Load().Rules) {
		if err := statefile.Write(filepath.Join(a.cfg.StateDir, RulesFile), d.Snapshot.Rules); err != nil {
			return err
		}
	}
	a.snapshot.Store(d.Snapshot)
	if a.proxy != nil {
		a.proxy.update(a.buildProxyView(c, d), h.addrs)
	}
	return nil
}

// logInvalid logs each invalid policy, and the warnings about each valid
// one, once: when they appear or change.
func (a *Agent) logInvalid(invalid map[string]error, warnings map[string][]string) {
	now := map[string]string{}
	for k, err := range invalid {
		now[k] = err.Error()
		if a.invalid[k] != now[k] {
			a.log.Error("ignoring invalid policy", "policy", k, "error", err)
		}
	}
	a.invalid = now
	warned := map[string]string{}
	for k, ws := range warnings {
		warned[k] = strings.Join(ws, "; ")
		if a.warned[k] != warned[k] {
			a.log.Warn("policy names what matches nothing", "policy", k, "warnings", ws)
		}
	}
	a.warned = warned
}

// missingEndpoints lists the local pods that have no endpoint yet.
func (a *Agent) missingEndpoints(c *desired.Cluster) []string {
	have := map[string]bool{}
	for _, w := range a.snapshot.Load().Endpoints {
		have[w.Namespace+"/"+w.Name] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(c.Pods)) {
		p := c.Pods[k]
		if p.Spec.NodeName == a.cfg.Node && len(desired.PodIPs(p)) > 0 && !have[k] {
			out = append(out, k)
		}
	}
	return out
}

func (a *Agent) close() {
	// The flow log is an exporter: the hub closed it.
	if err := a.dp.Close(); err != nil {
		a.log.Error("close", "error", err)
	}
}
