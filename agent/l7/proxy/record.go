package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zeta-net/zeta/agent/l7/authz"
	"github.com/zeta-net/zeta/policy/secid"
)

// Decisions of records and metrics.
const (
	DecisionAllow = "allow"
	DecisionDeny  = "deny"
	DecisionAudit = "audit"
)

// Record is one request's L7 flow record.
type Record struct {
	Time                time.Time
	Source, Destination netip.AddrPort
	PeerIdentity        secid.ID
	PeerSPIFFEID        string
	Method, Host, Path  string
	// Status is what the client got: the proxy's 401 or 403, or the
	// workload's answer (502 if it could not be reached).
	Status int
	// Decision is allow, deny or audit (passed although denied);
	// DecisionStatus the status the decision gave (200, 401, 403).
	Decision       string
	DecisionStatus int
	Reason, Rule   string
	// Issuer and Subject are the token's, when one authenticated.
	Issuer, Subject string
}

type metrics struct {
	requests *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zeta_l7_requests_total",
		Help: "HTTP requests judged by the L7 proxy, by decision (allow, deny, audit) and reason.",
	}, []string{"decision", "reason"})}
	if reg != nil {
		if err := reg.Register(m.requests); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("register metrics: %w", err)
			}
			m.requests = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return m, nil
}

func (s *Server) record(m Meta, r *http.Request, d *authz.Decision, status int) {
	decision := DecisionDeny
	switch {
	case d.Audit:
		decision = DecisionAudit
	case d.Passes():
		decision = DecisionAllow
	}
	s.metrics.requests.WithLabelValues(decision, d.Reason).Inc()
	if decision == DecisionAudit {
		s.cfg.Logger.Info("l7 request audited", "method", r.Method, "path", r.URL.Path, "peer", uint32(m.PeerIdentity),
			"status", d.Status, "reason", d.Reason, "rule", d.Rule)
	}
	if s.cfg.Record == nil {
		return
	}
	s.cfg.Record(Record{
		Time: s.cfg.Now(), Source: m.Source, Destination: m.Destination, PeerIdentity: m.PeerIdentity, PeerSPIFFEID: m.PeerSPIFFEID,
		Method: r.Method, Host: r.Host, Path: r.URL.Path, Status: status,
		Decision: decision, DecisionStatus: d.Status, Reason: d.Reason, Rule: d.Rule, Issuer: d.Issuer, Subject: d.Subject,
	})
}
