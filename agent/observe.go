package agent

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/zeta-net/zeta/agent/apiserver"
	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
)

// exportDrain bounds how long exporters may take to deliver what is
// queued when the agent stops.
const exportDrain = 5 * time.Second

// observers are what the agent shows of itself: the flow pipeline and its
// exporters, the gRPC API, the TCP metrics and probe listeners, and the
// readiness checks of other components. New sets them up (initFlows), Run
// starts them (runObservers).
type observers struct {
	api       *apiserver.Server
	exporters []flow.Exporter
	checks    map[string]health.Check
	// Set by Run before anything reads them.
	started time.Time
	source  string
}

// initFlows builds the flow pipeline around rd: the hub with the flow log
// as its first exporter, and the API server that reads from it.
func (a *Agent) initFlows(rd *eventmap.Reader) error {
	var err error
	a.flowLog, err = flow.OpenJSONLines(filepath.Join(a.cfg.StateDir, FlowsFile))
	if err != nil {
		return err
	}
	hub := flow.NewHub(a.cfg.Flows, a.log)
	a.flows = &flow.Pipeline{
		Reader: rd, Counters: a.dp.Objects.Counters, Node: a.cfg.Node, Enrich: a.enrich, Hub: hub, Log: a.log,
	}
	a.AddExporter(a.flowLog)
	a.obs.api = &apiserver.Server{
		Node:     inspect.Node{BPFFSRoot: a.cfg.BPFFSRoot, StateDir: a.cfg.StateDir},
		Pipeline: a.flows,
		Live:     a.live,
		Log:      a.log,
	}
	return nil
}

// AddExporter registers an exporter of flow records. Call it before Run:
// from then on the agent owns the exporter, drives it from its own queue
// (see flow.Hub) and closes it when Run returns if it has a
// Close(context.Context) error method. Exporters that implement
// export.StatsReporter show their counters in status and metrics.
func (a *Agent) AddExporter(e flow.Exporter) {
	a.flows.Hub.AddExporter(e)
	a.obs.exporters = append(a.obs.exporters, e)
}

// AddReadinessCheck makes /readyz (on the socket, on --health-address and
// in the API's status) also wait for c, named name in the reasons it
// gives: the hook for components whose readiness the agent cannot see,
// such as an identity source's first SVIDs. Call it before Run.
func (a *Agent) AddReadinessCheck(name string, c health.Check) {
	if a.obs.checks == nil {
		a.obs.checks = map[string]health.Check{}
	}
	a.obs.checks[name] = c
}

// readiness is the agent's health with the readiness checks applied.
func (a *Agent) readiness() health.Status {
	return health.Gate(*a.status.Load(), a.obs.checks)
}

// runObservers starts the exporters, the API and, if configured, the
// metrics and probe listeners on TCP.
func (a *Agent) runObservers(src source.Source, metrics http.Handler, goRun func(string, func(context.Context) error)) {
	a.obs.started = time.Now()
	a.obs.source = describeSource(src)
	goRun("flow exporters", func(ctx context.Context) error { return a.flows.Hub.Run(ctx, exportDrain) })
	goRun("api", func(ctx context.Context) error {
		return a.obs.api.Serve(ctx, filepath.Join(a.cfg.StateDir, APISocket), a.cfg.API)
	})
	if addr := a.cfg.MetricsAddress; addr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics)
		goRun("metrics", func(ctx context.Context) error { return health.ServeTCP(ctx, addr, mux) })
	}
	if addr := a.cfg.HealthAddress; addr != "" {
		goRun("probes", func(ctx context.Context) error { return health.ServeTCP(ctx, addr, health.Probes(a.readiness)) })
	}
}

// live is what the API reports of the running agent.
func (a *Agent) live() apiserver.Live {
	snap := a.snapshot.Load()
	pods := make(map[uint32]string, len(snap.Endpoints))
	for id, w := range snap.Endpoints {
		pods[id] = w.Namespace + "/" + w.Name
	}
	return apiserver.Live{
		Version: a.cfg.Version,
		Node:    a.cfg.Node,
		Started: a.obs.started,
		Health:  a.readiness(),
		IdentitySource: inspect.IdentitySource{
			Source: a.obs.source, TrustDomain: a.cfg.TrustDomain, Identities: len(snap.Identities),
		},
		Pods:      pods,
		Exporters: a.exporterStats(),
	}
}

// exporterStats reads the counters of the exporters that keep their own.
func (a *Agent) exporterStats() map[string]inspect.ExporterStats {
	out := map[string]inspect.ExporterStats{}
	for _, e := range a.obs.exporters {
		if r, ok := e.(export.StatsReporter); ok {
			s := r.Stats()
			out[e.Name()] = inspect.ExporterStats{Exported: s.Exported, Retried: s.Retried, Dropped: s.Dropped, QueueDepth: s.QueueDepth}
		}
	}
	return out
}

// describeSource names the cluster state source for status.
func describeSource(src source.Source) string {
	if s, ok := src.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", src)
}
