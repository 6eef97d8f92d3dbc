package syslog

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync/atomic"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/cef"
	"github.com/zeta-net/zeta/agent/export/ocsf"
	"github.com/zeta-net/zeta/agent/export/queue"
	"github.com/zeta-net/zeta/agent/flow"
)

// Exporter sends flow records to one syslog receiver.
type Exporter struct {
	cfg       Config
	facility  int
	header    []byte
	payload   func(dst []byte, r *flow.Record) ([]byte, error)
	tlsConfig *tls.Config
	q         *queue.Queue[[]byte]

	conn *conn // owned by the queue's goroutine

	unencodable atomic.Uint64
}

var _ export.Exporter = (*Exporter)(nil)

// New validates cfg and starts the exporter; it connects on the first
// batch. log receives delivery failures and recoveries.
func New(cfg Config, o export.Origin, log *slog.Logger) (*Exporter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("syslog exporter %s: %w", cfg.Name, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	hostname := cfg.Hostname
	if hostname == "" {
		hostname = o.Node
	}
	e := &Exporter{cfg: cfg, facility: facilities[cfg.Facility], header: header(hostname, cfg.AppName, os.Getpid())}
	switch cfg.Format {
	case FormatCEF:
		enc := &cef.Encoder{Origin: o}
		e.payload = func(dst []byte, r *flow.Record) ([]byte, error) { return enc.Append(dst, r), nil }
	case FormatJSON:
		enc := &ocsf.Encoder{Origin: o}
		e.payload = enc.Append
	}
	if cfg.Transport == TLS {
		host, _, _ := net.SplitHostPort(cfg.Address)
		var err error
		if e.tlsConfig, err = cfg.TLS.Config(host); err != nil {
			return nil, fmt.Errorf("syslog exporter %s: %w", cfg.Name, err)
		}
	}
	e.q = queue.New(cfg.Queue, e.send, queue.Options{Log: log.With("exporter", cfg.Name, "address", cfg.Address)})
	return e, nil
}

// Name implements export.Exporter.
func (e *Exporter) Name() string { return e.cfg.Name }

// Export encodes the batch and queues it; it does not wait for the receiver.
func (e *Exporter) Export(_ context.Context, batch []*flow.Record) error {
	frames := make([][]byte, 0, len(batch))
	var firstErr error
	for _, r := range batch {
		msg, err := e.appendMessage(nil, r)
		if err != nil {
			e.unencodable.Add(1)
			firstErr = cmpErr(firstErr, err)
			continue
		}
		if e.cfg.Transport == UDP && len(msg) > maxDatagram {
			e.unencodable.Add(1)
			firstErr = cmpErr(firstErr, fmt.Errorf("syslog message of %d bytes does not fit a datagram", len(msg)))
			continue
		}
		frames = append(frames, frame(e.cfg.Transport, msg))
	}
	if err := e.q.Push(frames...); err != nil {
		return fmt.Errorf("syslog export: %w", err)
	}
	if firstErr != nil {
		return fmt.Errorf("syslog export: %w", firstErr)
	}
	return nil
}

// maxDatagram is the largest UDP payload over IPv4.
const maxDatagram = 65507

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// Flush waits until what was exported so far is delivered or dropped.
func (e *Exporter) Flush(ctx context.Context) error { return e.q.Flush(ctx) }

// Close delivers what is buffered until ctx ends, then closes the connection.
func (e *Exporter) Close(ctx context.Context) error {
	err := e.q.Close(ctx)
	if e.conn != nil {
		e.conn.close()
		e.conn = nil
	}
	if err != nil {
		return fmt.Errorf("close syslog exporter %s: %w", e.cfg.Name, err)
	}
	return nil
}

// Stats reports the exporter's counters.
func (e *Exporter) Stats() export.Stats {
	s := e.q.Stats()
	s.Dropped += e.unencodable.Load()
	return s
}

// send is the queue's delivery attempt: reconnect if the receiver went
// away, then write the batch.
func (e *Exporter) send(ctx context.Context, frames [][]byte) error {
	if e.conn != nil && e.conn.closedByPeer() {
		e.conn.close()
		e.conn = nil
	}
	if e.conn == nil {
		c, err := e.dial(ctx)
		if err != nil {
			return err
		}
		e.conn = c
	}
	if err := e.conn.write(ctx, frames, e.cfg.WriteTimeout); err != nil {
		e.conn.close()
		e.conn = nil
		return fmt.Errorf("write to syslog receiver %s: %w", e.cfg.Address, err)
	}
	return nil
}
