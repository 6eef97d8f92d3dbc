package otlp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"google.golang.org/grpc"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/queue"
	"github.com/zeta-net/zeta/agent/export/retry"
	"github.com/zeta-net/zeta/agent/flow"
)

// ScopeName is the instrumentation scope of flow log records.
const ScopeName = "github.com/zeta-net/zeta/agent/export/otlp"

// Exporter sends flow records to one OTLP receiver.
type Exporter struct {
	cfg      Config
	provider *sdklog.LoggerProvider
	logger   log.Logger
	exp      sdklog.Exporter
	conn     *grpc.ClientConn // nil for HTTP
	http     *http.Client     // nil for gRPC
	q        *queue.Queue[*sdklog.Record]

	mu      sync.Mutex // serializes Export, which collects in pending, and Close
	pending []*sdklog.Record
	closed  bool

	rejected atomic.Uint64 // refused by the receiver in a partial success
	late     atomic.Uint64 // exported after Close
}

var _ export.Exporter = (*Exporter)(nil)

// New validates cfg and starts the exporter; it connects on the first
// batch. log receives delivery failures and recoveries.
func New(cfg Config, o export.Origin, logger *slog.Logger) (*Exporter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("otlp exporter %s: %w", cfg.Name, err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	var tlsCfg *tls.Config
	if !cfg.Insecure {
		host, _, _ := net.SplitHostPort(cfg.Endpoint)
		var err error
		if tlsCfg, err = cfg.TLS.Config(host); err != nil {
			return nil, fmt.Errorf("otlp exporter %s: %w", cfg.Name, err)
		}
	}
	e := &Exporter{cfg: cfg}
	if err := e.newSDKExporter(tlsCfg); err != nil {
		return nil, fmt.Errorf("otlp exporter %s: %w", cfg.Name, err)
	}
	e.q = queue.New(cfg.Queue, e.send, queue.Options{Log: logger.With("exporter", cfg.Name, "endpoint", cfg.Endpoint)})
	e.provider = sdklog.NewLoggerProvider(
		sdklog.WithResource(newResource(o, cfg.ResourceAttributes)),
		sdklog.WithProcessor(collect{e}),
	)
	e.logger = e.provider.Logger(ScopeName, log.WithInstrumentationVersion(o.Version))
	return e, nil
}

// Name implements export.Exporter.
func (e *Exporter) Name() string { return e.cfg.Name }

// Export turns the batch into log records and queues them; it does not
// wait for the receiver.
func (e *Exporter) Export(ctx context.Context, batch []*flow.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		e.late.Add(uint64(len(batch)))
		return fmt.Errorf("otlp export: %w", export.ErrClosed)
	}
	e.pending = e.pending[:0]
	ctx = context.WithoutCancel(ctx) // a record is emitted whole, whatever ctx does
	for _, r := range batch {
		rctx, rec := logRecord(ctx, r)
		e.logger.Emit(rctx, rec)
	}
	err := e.q.Push(e.pending...)
	clear(e.pending)
	if err != nil {
		return fmt.Errorf("otlp export: %w", err)
	}
	return nil
}

// collect is the SDK processor that hands emitted records to Export.
type collect struct{ e *Exporter }

func (c collect) OnEmit(_ context.Context, r *sdklog.Record) error {
	rec := r.Clone()
	c.e.pending = append(c.e.pending, &rec)
	return nil
}

func (collect) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (collect) Shutdown(context.Context) error                         { return nil }
func (collect) ForceFlush(context.Context) error                       { return nil }

// send is the queue's delivery attempt.
func (e *Exporter) send(ctx context.Context, batch []*sdklog.Record) error {
	recs := make([]sdklog.Record, len(batch))
	for i, r := range batch {
		recs[i] = *r
	}
	var o outcome
	err := e.exp.Export(withOutcome(ctx, &o), recs)
	switch {
	case err == nil || o.accepted():
		if o.rejected > 0 {
			e.rejected.Add(uint64(min(o.rejected, int64(len(batch)))))
		}
		return nil
	case o.retryable():
		return fmt.Errorf("otlp %s export to %s: %w", e.cfg.Protocol, e.cfg.Endpoint, err)
	default:
		return retry.Permanent(fmt.Errorf("otlp %s export to %s: %w", e.cfg.Protocol, e.cfg.Endpoint, err))
	}
}

// Flush waits until what was exported so far is delivered or dropped.
func (e *Exporter) Flush(ctx context.Context) error { return e.q.Flush(ctx) }

// Close delivers what is buffered until ctx ends, then shuts the SDK down.
func (e *Exporter) Close(ctx context.Context) error {
	e.mu.Lock()
	already := e.closed
	e.closed = true
	e.mu.Unlock()
	if already {
		return nil
	}
	errs := []error{e.q.Close(ctx), e.provider.Shutdown(ctx), e.exp.Shutdown(ctx)}
	if e.conn != nil {
		errs = append(errs, e.conn.Close())
	}
	if e.http != nil {
		e.http.CloseIdleConnections()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close otlp exporter %s: %w", e.cfg.Name, err)
	}
	return nil
}

// Stats reports the exporter's counters; records the receiver rejected
// in a partial success count as dropped, not exported.
func (e *Exporter) Stats() export.Stats {
	s := e.q.Stats()
	rej := e.rejected.Load()
	s.Exported -= min(rej, s.Exported)
	s.Dropped += rej + e.late.Load()
	return s
}
